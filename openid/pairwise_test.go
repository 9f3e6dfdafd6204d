package openid_test

import (
	"net/http"
	"testing"

	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/storage"
)

// subjectOf runs the code flow for client c and returns the sub of its ID
// token and of UserInfo.
func (p *rp) subjectOf(c authtest.Client) (idSub, infoSub string) {
	p.t.Helper()
	saved := p.client
	p.client = c
	defer func() { p.client = saved }()
	got := p.authorize(map[string]string{"response_type": "code", "scope": "openid", "redirect_uri": c.RedirectURIs[0]})
	if got.Get("code") == "" {
		p.t.Fatalf("authorization: %v", got)
	}
	resp, status := p.token(map[string][]string{"grant_type": {"authorization_code"}, "code": {got.Get("code")}, "redirect_uri": {c.RedirectURIs[0]}})
	if status != http.StatusOK {
		p.t.Fatalf("token: %d %v", status, resp)
	}
	claims, _ := p.verify(str(resp["id_token"]))
	info, res := p.userInfo(http.MethodGet, str(resp["access_token"]), false)
	if res.StatusCode != http.StatusOK {
		p.t.Fatalf("UserInfo: status %d", res.StatusCode)
	}
	return str(claims["sub"]), str(info["sub"])
}

// TestPairwiseSubjects checks Core §8.1: a pairwise client sees a subject
// of its own, the same in ID tokens and UserInfo, shared by the clients
// of its sector only.
func TestPairwiseSubjects(t *testing.T) {
	p := newRP(t, authtest.Config{})
	pairwise := func(uris ...string) authtest.Client {
		return p.srv.AddClient(authtest.Client{SubjectType: storage.SubjectPairwise, RedirectURIs: uris})
	}
	a1 := pairwise("https://a.example/cb")
	a2 := pairwise("https://a.example/other")
	b := pairwise("https://b.example/cb")
	public := p.srv.AddClient(authtest.Client{RedirectURIs: []string{"https://a.example/cb"}})
	subs := map[string]string{}
	for name, c := range map[string]authtest.Client{"a1": a1, "a2": a2, "b": b, "public": public} {
		id, info := p.subjectOf(c)
		if id != info {
			t.Errorf("%s: ID token sub %q, UserInfo sub %q, want the same", name, id, info)
		}
		subs[name] = id
	}
	if subs["public"] != authtest.DefaultSubject {
		t.Errorf("public sub: got %q, want %q", subs["public"], authtest.DefaultSubject)
	}
	if subs["a1"] != subs["a2"] {
		t.Errorf("one sector: got %q and %q, want the same", subs["a1"], subs["a2"])
	}
	if subs["a1"] == subs["b"] || subs["a1"] == subs["public"] {
		t.Errorf("pairwise subs %q (a), %q (b), want them apart and apart from %q", subs["a1"], subs["b"], subs["public"])
	}
	t.Run("several hosts without a sector", func(t *testing.T) {
		c := pairwise("https://a.example/cb", "https://c.example/cb")
		saved := p.client
		p.client = c
		defer func() { p.client = saved }()
		got := p.authorize(map[string]string{"response_type": "code", "scope": "openid", "redirect_uri": "https://a.example/cb"})
		if got.Get("error") != "unauthorized_client" {
			t.Errorf("got %v, want unauthorized_client", got)
		}
	})
}
