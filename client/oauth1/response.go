package oauth1

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/grantry/grantry/internal/origin"
)

const (
	maxResponseBody = 64 << 10 // credentials responses are a few hundred bytes
	maxSummary      = 256
)

// readResponse reads at most maxResponseBody bytes of a response body.
func readResponse(resp *http.Response) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody+1))
	if err != nil {
		return body, fmt.Errorf("oauth1: reading response: %w", err)
	}
	if len(body) > maxResponseBody {
		return body[:maxResponseBody], fmt.Errorf("%w: over %d bytes", ErrResponseTooLarge, maxResponseBody)
	}
	return body, nil
}

// parseCredentials parses the form-encoded body of a temporary (§2.1) or
// token (§2.3) credentials response strictly: valid encoding, no repeated
// parameter, a non-empty oauth_token and oauth_token_secret and, when
// confirm is set, oauth_callback_confirmed exactly "true". The
// Content-Type is not checked: deployed servers label this body
// text/plain or text/html about as often as the form type it is.
func parseCredentials(body []byte, confirm bool) (Credentials, error) {
	ps, err := parseForm(string(body))
	if err != nil {
		return Credentials{}, fmt.Errorf("%w: %w", ErrMalformedResponse, err)
	}
	v := make(url.Values, len(ps))
	for _, p := range ps {
		if _, dup := v[p.name]; dup {
			return Credentials{}, fmt.Errorf("%w: %q repeated", ErrMalformedResponse, p.name)
		}
		v[p.name] = []string{p.value}
	}
	cred := Credentials{Token: v.Get("oauth_token"), Secret: v.Get("oauth_token_secret")}
	for _, name := range []string{"oauth_token", "oauth_token_secret"} {
		if v.Get(name) == "" {
			return Credentials{}, fmt.Errorf("%w: %s", ErrMissingParameter, name)
		}
	}
	if confirm && v.Get("oauth_callback_confirmed") != "true" {
		return Credentials{}, ErrCallbackNotConfirmed
	}
	for _, name := range []string{"oauth_token", "oauth_token_secret", "oauth_callback_confirmed"} {
		delete(v, name)
	}
	if len(v) > 0 {
		cred.Extra = v
	}
	return cred, nil
}

// doCredentials sends a signed credentials request and parses the answer.
// A redirect to another scheme, host or port is not followed, and a
// failure to send does not show the signature, token or verifier.
func (c *Config) doCredentials(req *http.Request, op string, confirm bool) (Credentials, error) {
	resp, err := origin.Client(c.client()).Do(req)
	if err != nil {
		return Credentials{}, fmt.Errorf("oauth1: %s request: %w", op, origin.RedactURLError(err, isSecretParam))
	}
	defer resp.Body.Close()
	body, err := readResponse(resp)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = ErrUnexpectedStatus
	}
	if err == nil {
		var cred Credentials
		if cred, err = parseCredentials(body, confirm); err == nil {
			return cred, nil
		}
	}
	return Credentials{}, &ResponseError{Op: op, StatusCode: resp.StatusCode, Body: summarize(body), Err: err}
}

// summarize shortens a response body for an error message: secrets
// redacted, at most maxSummary bytes of printable UTF-8.
func summarize(body []byte) string {
	s := redactSecret(string(body))
	if len(s) > 4*maxSummary {
		s = s[:4*maxSummary]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) <= maxSummary {
		return s
	}
	cut := maxSummary
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// redactSecret hides the value of any oauth_token_secret pair in a
// form-encoded body, so that an error never carries a shared secret.
func redactSecret(s string) string {
	return redactPairs(s, func(name string) bool { return name == "oauth_token_secret" })
}

// redactPairs replaces with REDACTED the value of each pair of the
// form-encoded s whose decoded name hide selects.
func redactPairs(s string, hide func(name string) bool) string {
	pairs := strings.Split(s, "&")
	for i, pair := range pairs {
		name, _, ok := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); ok && err == nil && hide(n) {
			pairs[i] = name + "=REDACTED"
		}
	}
	return strings.Join(pairs, "&")
}

// isSecretParam reports whether a protocol parameter is one an error must
// not show: the signature (with PLAINTEXT, the shared secrets
// themselves), the token and the verifier.
func isSecretParam(name string) bool {
	switch name {
	case "oauth_signature", "oauth_token", "oauth_token_secret", "oauth_verifier":
		return true
	}
	return false
}
