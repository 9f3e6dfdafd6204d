package authserver_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// approveNothing is a consent page on which the user unticked every scope:
// a non-nil, empty grant.
func approveNothing(*authserver.AuthorizationRequest) *authserver.Consent {
	return &authserver.Consent{Subject: "alice", Scope: grantry.Scope{}}
}

// RFC 6749 §5.1 and §4.2.2: scope may be left out of a response only when
// it is identical to the requested scope. A consent that grants none of the
// requested scope cannot be expressed as a scope (RFC 6749 §3.3 needs at
// least one scope-token), so the request must be refused (access_denied,
// §4.1.2.1, §4.2.2.1) rather than answered with a token whose missing scope
// member tells the client it got everything it asked for.
func TestAuthorizeEmptyConsentScope(t *testing.T) {
	tests := []struct {
		name  string
		query url.Values
	}{
		{name: "code", query: codeRequest("scope", "profile email")},
		{name: "implicit", query: url.Values{
			"response_type": {"token"}, "client_id": {"p1"}, "redirect_uri": {cbURI},
			"scope": {"profile"}, "state": {"st"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rd := parseRedirect(t, f.authorize(t, tt.query.Encode(), approveNothing))
			if got, want := rd.params.Get("error"), "access_denied"; got != want {
				detail := ""
				if code := rd.params.Get("code"); code != "" {
					b := readBody(t, f.exchange(t, code))
					detail = "; the code's token response is " + string(b)
				}
				if tok := rd.params.Get("access_token"); tok != "" {
					detail = "; the fragment holds an access token, scope " + strconv.Quote(rd.params.Get("scope"))
				}
				t.Errorf("error: got %q, want %q (requested scope %q, none granted)%s", got, want, tt.query.Get("scope"), detail)
			}
			if got, want := rd.params.Get("state"), "st"; got != want {
				t.Errorf("state: got %q, want %q", got, want)
			}
		})
	}
}
