package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/grantry/grantry/secret"
)

// The authorization-code mode of grantry bench: each worker signs in once
// through the sign-in page and approves the consent page, outside the
// measure; then every flow it times is what a returning user's app costs
// the server: GET /authorize (session and remembered consent, answered
// with a redirect carrying the code) and POST /token (code, PKCE verifier,
// client_secret_basic).

// codeWorker is one signed-in browser.
type codeWorker struct {
	f         *benchFlags
	client    *http.Client // keeps the session cookie, follows no redirect
	authorize string       // the authorization endpoint
}

// newCodeWorker signs in and gives the consent the timed flows reuse.
func newCodeWorker(ctx context.Context, f *benchFlags, tr http.RoundTripper, authorize string) (*codeWorker, error) {
	jar, _ := cookiejar.New(nil)
	w := &codeWorker{f: f, authorize: authorize, client: &http.Client{
		Transport: tr, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	code, verifier, err := w.firstCode(ctx)
	if err != nil {
		return nil, fmt.Errorf("signing in: %w", err)
	}
	if err := w.exchange(ctx, code, verifier); err != nil {
		return nil, fmt.Errorf("first code exchange: %w", err)
	}
	return w, nil
}

// firstCode walks the pages of a first authorization: sign-in, then
// consent if asked, up to the redirect with the code.
func (w *codeWorker) firstCode(ctx context.Context) (code, verifier string, err error) {
	target, verifier := w.request()
	for range 6 {
		resp, body, err := w.fetch(ctx, http.MethodGet, target, nil)
		if err != nil {
			return "", "", err
		}
		if code, done, err := w.codeOf(resp); done {
			return code, verifier, err
		}
		switch {
		case resp.StatusCode == http.StatusOK && strings.Contains(body, `name="password"`):
			form := hiddenFields(body)
			form.Set("username", w.f.username)
			form.Set("password", w.f.password)
			resp, _, err = w.fetch(ctx, http.MethodPost, resolve(resp.Request.URL, formAction(body)), form)
		case resp.StatusCode == http.StatusOK && strings.Contains(body, `value="approve"`):
			form := hiddenFields(body)
			form.Set("decision", "approve")
			resp, _, err = w.fetch(ctx, http.MethodPost, resolve(resp.Request.URL, formAction(body)), form)
			if err == nil {
				if code, done, err := w.codeOf(resp); done {
					return code, verifier, err
				}
			}
		case resp.StatusCode/100 != 3:
			return "", "", fmt.Errorf("GET %s: %s", target, resp.Status)
		}
		if err != nil {
			return "", "", err
		}
		if resp.StatusCode/100 != 3 {
			return "", "", fmt.Errorf("%s %s: %s", resp.Request.Method, resp.Request.URL.Path, resp.Status)
		}
		target = resolve(resp.Request.URL, resp.Header.Get("Location"))
	}
	return "", "", errors.New("no code after six pages")
}

// request returns a new authorization request URL and its PKCE verifier.
func (w *codeWorker) request() (string, string) {
	verifier := secret.Token()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {w.f.clientID}, "redirect_uri": {w.f.redirectURI},
		"state": {"bench"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	if w.f.scope != "" {
		q.Set("scope", w.f.scope)
	}
	if strings.Contains(" "+w.f.scope+" ", " openid ") {
		q.Set("nonce", "bench")
	}
	return w.authorize + "?" + q.Encode(), verifier
}

// codeOf reports whether resp is the redirect to the client, and its code.
func (w *codeWorker) codeOf(resp *http.Response) (code string, done bool, err error) {
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode/100 != 3 || err != nil || !strings.HasPrefix(loc.String(), w.f.redirectURI) {
		return "", false, nil
	}
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return "", true, fmt.Errorf("authorization error %s", e)
	}
	if q.Get("code") == "" {
		return "", true, errors.New("redirect without a code")
	}
	return q.Get("code"), true, nil
}

// flow runs one timed flow.
func (w *codeWorker) flow(ctx context.Context) error {
	target, verifier := w.request()
	resp, _, err := w.fetch(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	code, done, err := w.codeOf(resp)
	switch {
	case err != nil:
		return err
	case !done:
		return fmt.Errorf("authorize: %s, not a redirect with a code", resp.Status)
	}
	return w.exchange(ctx, code, verifier)
}

// exchange redeems a code at the token endpoint.
func (w *codeWorker) exchange(ctx context.Context, code, verifier string) error {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {w.f.redirectURI}, "code_verifier": {verifier}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.f.url, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(w.f.clientID), url.QueryEscape(w.f.clientSecret))
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("token: %s", resp.Status)
	}
	return nil
}

// fetch sends a GET, or a POST of form, and reads the body.
func (w *codeWorker) fetch(ctx context.Context, method, target string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, string(b), err
}

var (
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	postForm    = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
)

// hiddenFields returns the hidden inputs of the first form of a page.
func hiddenFields(page string) url.Values {
	if end := strings.Index(page, "</form>"); end >= 0 {
		page = page[:end]
	}
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

// formAction returns the action of the first POST form of a page.
func formAction(page string) string {
	if m := postForm.FindStringSubmatch(page); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

func resolve(base *url.URL, ref string) string {
	u, err := base.Parse(ref)
	if err != nil {
		return ref
	}
	return u.String()
}

// authorizationEndpoint reads the authorization endpoint from the server
// metadata (RFC 8414 §3) at the origin of the token endpoint.
func authorizationEndpoint(ctx context.Context, client *http.Client, tokenURL string) (string, error) {
	u, err := url.Parse(tokenURL)
	if err != nil {
		return "", err
	}
	u.Path, u.RawQuery = "/.well-known/oauth-authorization-server", ""
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var meta struct {
		AuthorizationEndpoint string `json:"authorization_endpoint"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&meta); err != nil || meta.AuthorizationEndpoint == "" {
		return "", fmt.Errorf("no authorization_endpoint in %s (%s)", u, resp.Status)
	}
	return meta.AuthorizationEndpoint, nil
}
