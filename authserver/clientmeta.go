package authserver

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/internal/origin"
)

// The rules over client metadata that every way of registering a client
// shares: grantry serve's client commands and dynamic registration
// (RFC 7591) check redirect URIs and relate grant and response types the
// same way.

// The reasons CheckRedirectURI refuses a URI, besides those of
// origin.ParseSecure, which its error wraps for http and https URIs.
var (
	ErrRedirectNotAbsolute = errors.New("is not an absolute URI without fragment")
	ErrRedirectScheme      = errors.New("has a scheme that is not allowed")
)

// CheckRedirectURI applies the rules every redirect URI must follow: it is
// absolute and has no fragment (RFC 6749 §3.1.2); its scheme does not run
// code or read local data (javascript, data, vbscript, file, blob, about);
// an http or https URI passes origin.ParseSecure with insecure, so it is
// https unless its host is a loopback one (RFC 8252 §7.3, RFC 9700 §2.6)
// and has no user information. Other schemes are the private-use schemes
// of native apps (RFC 8252 §7.1) and are allowed. The error says why, as a
// phrase to follow the URI.
func CheckRedirectURI(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || strings.Contains(raw, "#") {
		return ErrRedirectNotAbsolute
	}
	switch strings.ToLower(u.Scheme) {
	case "javascript", "data", "vbscript", "file", "blob", "about":
		return ErrRedirectScheme
	case "http", "https":
		if _, err := origin.ParseSecure(raw, insecure); err != nil {
			return fmt.Errorf("%w (http is allowed only on a loopback host)", err)
		}
	}
	return nil
}

// checkRedirectURI applies CheckRedirectURI with InsecureAllowHTTP as its
// insecure option.
func (s *Server) checkRedirectURI(raw string) bool {
	return CheckRedirectURI(raw, s.cfg.InsecureAllowHTTP) == nil
}

// CheckClientRedirectURI is CheckRedirectURI with the server's
// InsecureAllowHTTP option.
func (s *Server) CheckClientRedirectURI(raw string) error {
	return CheckRedirectURI(raw, s.cfg.InsecureAllowHTTP)
}

// ResponseTypesFor returns the response types that grant types allow, as
// RFC 7591 §2.1 relates them, with those of OpenID Connect Core 1.0 §3:
// authorization_code gives code; implicit gives token, id_token and
// id_token token; both give also the hybrid ones, code id_token, code
// token and code id_token token. The order is always this one, whatever
// the order of grants; none gives nil.
func ResponseTypesFor(grants []grantry.GrantType) []grantry.ResponseType {
	code := slices.Contains(grants, grantry.GrantAuthorizationCode)
	implicit := slices.Contains(grants, grantry.GrantImplicit)
	var list []grantry.ResponseType
	if code {
		list = append(list, grantry.ResponseCode)
	}
	if implicit {
		list = append(list, grantry.ResponseToken, grantry.ResponseIDToken, grantry.ResponseIDTokenToken)
	}
	if code && implicit {
		list = append(list, grantry.ResponseCodeIDToken, grantry.ResponseCodeToken, grantry.ResponseCodeIDTokenToken)
	}
	return list
}

// GrantTypesFor returns the grant types a response type needs
// (RFC 7591 §2.1): authorization_code for one that returns a code,
// implicit for one that returns a token or an ID token, both for a hybrid
// one. An unknown response type needs nothing.
func GrantTypesFor(rt grantry.ResponseType) []grantry.GrantType {
	var out []grantry.GrantType
	words := strings.Fields(string(rt))
	if slices.Contains(words, "code") {
		out = append(out, grantry.GrantAuthorizationCode)
	}
	if slices.Contains(words, "token") || slices.Contains(words, "id_token") {
		out = append(out, grantry.GrantImplicit)
	}
	return out
}

// AuthMethods returns the client authentication methods the registered
// token grants accept, as token_endpoint_auth_methods_supported lists them
// (RFC 8414 §2), sorted.
func (s *Server) AuthMethods() []grantry.AuthMethod {
	var out []grantry.AuthMethod
	for _, g := range s.tokenGrant {
		for _, am := range g.AuthMethods() {
			if !slices.Contains(out, am) {
				out = append(out, am)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Scopes returns Config.Scopes: the scopes the server knows, or nil when
// it allows any scope a client may have.
func (s *Server) Scopes() grantry.Scope { return slices.Clone(s.cfg.Scopes) }
