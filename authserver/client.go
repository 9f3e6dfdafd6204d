package authserver

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/internal/form"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// What the server checks of clients, in one place: its policy over client
// records (storage.Client is data only) — which redirect URI a request may
// use, which authentication method and grant and response types a client
// may use — and client authentication (RFC 6749 §2.3).

// defaultRedirectURI returns the redirection URI of a request that names
// none: the client's only registered one, or "" when it registered several
// (RFC 6749 §3.1.2.3).
func defaultRedirectURI(c *storage.Client) string {
	if len(c.RedirectURIs) == 1 {
		return c.RedirectURIs[0]
	}
	return ""
}

// registeredRedirectURI reports whether uri is one the client registered,
// compared exactly (RFC 9700 §4.1.3) but for the port of a loopback IP
// literal (RFC 8252 §7.3).
func registeredRedirectURI(c *storage.Client, uri string) bool {
	for _, r := range c.RedirectURIs {
		if r == uri || loopbackMatch(r, uri) {
			return true
		}
	}
	return false
}

// mayAuthenticate reports whether the client authenticates with method:
// its one registered method, at every endpoint.
func mayAuthenticate(c *storage.Client, method grantry.AuthMethod) bool {
	return method == c.TokenEndpointAuthMethod()
}

// mayUseGrant reports whether the client may use the grant type.
func mayUseGrant(c *storage.Client, gt grantry.GrantType) bool {
	return slices.Contains(c.GrantTypes, gt)
}

// mayUseResponseType reports whether the client may use the response type.
func mayUseResponseType(c *storage.Client, rt grantry.ResponseType) bool {
	return slices.Contains(c.ResponseTypes, rt)
}

// loopbackMatch allows any port for a registered http redirect URI on a
// loopback IP literal, as native apps listen on an ephemeral port
// (RFC 8252 §7.3). Only the port may vary: the rest of both URIs, as
// written, not as decoded, must match exactly.
func loopbackMatch(registered, uri string) bool {
	r, ok := withoutLoopbackPort(registered)
	if !ok {
		return false
	}
	u, ok := withoutLoopbackPort(uri)
	return ok && r == u
}

// withoutLoopbackPort returns raw without its port, when raw is an http
// URI whose host is a loopback IP literal and whose port, if any, is a
// number from 1 to 65535. A URI with user information or a fragment is
// refused.
func withoutLoopbackPort(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, "http://")
	if !ok || strings.Contains(raw, "#") {
		return "", false
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	host, tail := rest[:end], rest[end:]
	if i := strings.LastIndexByte(host, ':'); i > strings.LastIndexByte(host, ']') {
		if !validPort(host[i+1:]) {
			return "", false
		}
		host = host[:i]
	}
	if !loopbackIP(host) {
		return "", false
	}
	return "http://" + host + tail, true
}

// loopbackIP reports whether host is a loopback IP literal as a URI
// writes it: an IPv4 address, or an IPv6 address in brackets
// (RFC 3986 §3.2.2).
func loopbackIP(host string) bool {
	if v6, ok := strings.CutPrefix(host, "["); ok {
		v6, ok = strings.CutSuffix(v6, "]")
		ip := net.ParseIP(v6)
		return ok && ip != nil && ip.To4() == nil && ip.IsLoopback()
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.To4() != nil && ip.IsLoopback()
}

// validPort reports whether p is a port number from 1 to 65535 in decimal.
func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 1 && n <= 65535
}

// Params holds the parameters of a request, each present at most once. A
// parameter sent without a value counts as omitted (RFC 6749 §3.1).
type Params map[string]string

// Get returns a parameter's value, or "". For resource, which may repeat
// (RFC 8707 §2), use All.
func (p Params) Get(name string) string { return p[name] }

// All returns every value of a parameter that may repeat, such as
// resource, in the order sent; nil when it is absent.
func (p Params) All(name string) []string { return form.Split(p[name]) }

// ClientAuthRequest is what a client authentication method looks at.
type ClientAuthRequest struct {
	HTTP   *http.Request
	Params Params
	// Endpoint is grantry.EndpointToken or another endpoint's name.
	Endpoint string
}

// ClientAuthenticator is one client authentication method. The server
// asks every registered method whether the request carries its credentials;
// a request may carry those of one method only (RFC 6749 §2.3).
type ClientAuthenticator interface {
	// Present reports whether the request carries this method's
	// credentials.
	Present(req *ClientAuthRequest) bool
	// Authenticate returns the client the credentials prove, or an error.
	// Any error becomes invalid_client, but for a storage.ErrUnavailable
	// or a temporarily_unavailable *grantry.Error, which are answered
	// temporarily_unavailable, and a cancelled context.
	Authenticate(ctx context.Context, req *ClientAuthRequest) (*storage.Client, error)
}

var errBadCredentials = errors.New("bad client credentials")

// RegisterClientAuth adds or replaces a client authentication method.
// client_secret_basic, client_secret_post and none are built in;
// private_key_jwt and client_secret_jwt are registered by New as
// Config.ClientAssertions enables them.
func (s *Server) RegisterClientAuth(method grantry.AuthMethod, a ClientAuthenticator) {
	s.clientAuth[method] = a
	if !slices.Contains(s.authOrder, method) {
		s.authOrder = append(s.authOrder, method)
	}
}

func (s *Server) registerBuiltinClientAuth() {
	s.RegisterClientAuth(grantry.AuthClientSecretBasic, basicAuth{s})
	s.RegisterClientAuth(grantry.AuthClientSecretPost, postAuth{s})
	s.RegisterClientAuth(grantry.AuthNone, noneAuth{s})
}

// AuthenticateClient authenticates the client of a request with one of the
// allowed methods (RFC 6749 §2.3). It returns the client and the method
// used. A failure is invalid_client: 401 with a WWW-Authenticate: Basic
// challenge when the client tried the Authorization header or Basic was
// allowed, 400 otherwise (RFC 6749 §5.2).
func (s *Server) AuthenticateClient(ctx context.Context, req *ClientAuthRequest, allowed []grantry.AuthMethod) (*storage.Client, grantry.AuthMethod, error) {
	method, err := s.detectAuthMethod(req)
	if err != nil {
		return nil, "", err
	}
	if method == "" || !slices.Contains(allowed, method) {
		return nil, "", s.invalidClient(req, allowed)
	}
	client, err := s.clientAuth[method].Authenticate(ctx, req)
	if err != nil {
		if errors.Is(err, storage.ErrUnavailable) || errors.Is(err, grantry.ErrTemporarilyUnavailable) ||
			errors.Is(err, context.Canceled) {
			return nil, "", AsError(err)
		}
		return nil, "", s.invalidClient(req, allowed)
	}
	if !mayAuthenticate(client, method) {
		return nil, "", s.invalidClient(req, allowed)
	}
	if id := req.Params.Get("client_id"); id != "" && id != client.ID {
		return nil, "", s.invalidClient(req, allowed)
	}
	if f := s.cfg.Events.ClientAuthenticated; f != nil {
		f(ctx, client, method, req.Endpoint)
	}
	return client, method, nil
}

// detectAuthMethod finds the one method whose credentials the request
// carries; "none" counts only when no other does.
func (s *Server) detectAuthMethod(req *ClientAuthRequest) (grantry.AuthMethod, error) {
	if len(req.HTTP.Header.Values("Authorization")) > 1 {
		// A singleton field sent twice is ambiguous credentials, which
		// a proxy and this server might read differently.
		return "", grantry.InvalidRequest("more than one Authorization header")
	}
	var found grantry.AuthMethod
	for _, m := range s.authOrder {
		if m == grantry.AuthNone || !s.clientAuth[m].Present(req) {
			continue
		}
		if found != "" {
			return "", grantry.InvalidRequest("the client used more than one authentication method")
		}
		found = m
	}
	if found == "" && s.clientAuth[grantry.AuthNone].Present(req) {
		found = grantry.AuthNone
	}
	return found, nil
}

// invalidClient is the failure of client authentication (RFC 6749 §5.2):
// 401 when the client tried the Authorization header, sent an assertion
// or may use Basic, with a Basic challenge when it tried or may use
// Basic; 400 otherwise.
func (s *Server) invalidClient(req *ClientAuthRequest, allowed []grantry.AuthMethod) *grantry.Error {
	e := grantry.NewError(grantry.ErrInvalidClient, "client authentication failed")
	basic := req.HTTP.Header.Get("Authorization") != "" || slices.Contains(allowed, grantry.AuthClientSecretBasic)
	switch {
	case basic:
		e.Status = http.StatusUnauthorized
		e.Header = http.Header{"Www-Authenticate": {s.basicChallenge()}}
	case sentAssertion(req):
		e.Status = http.StatusUnauthorized
	default:
		e.Status = http.StatusBadRequest
	}
	return e
}

func (s *Server) basicChallenge() string {
	realm := s.cfg.Issuer
	if realm == "" {
		realm = "oauth"
	}
	return `Basic realm="` + strings.ReplaceAll(realm, `"`, "") + `", charset="UTF-8"`
}

// lookupClient finds a client, keeping storage outages apart from unknown
// clients.
func (s *Server) lookupClient(ctx context.Context, id string) (*storage.Client, error) {
	if id == "" {
		return nil, errBadCredentials
	}
	c, err := s.cfg.Clients.GetClient(ctx, id)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil, errBadCredentials
		}
		return nil, err
	}
	return c, nil
}

// basicAuth is client_secret_basic (RFC 6749 §2.3.1): the client
// identifier and secret are form-urlencoded, joined by a colon and base64
// encoded.
type basicAuth struct{ s *Server }

func (basicAuth) Present(req *ClientAuthRequest) bool {
	h := req.HTTP.Header.Get("Authorization")
	return len(h) >= 6 && strings.EqualFold(h[:6], "basic ")
}

func (a basicAuth) Authenticate(ctx context.Context, req *ClientAuthRequest) (*storage.Client, error) {
	id, presented, ok := ParseBasicAuth(req.HTTP.Header.Get("Authorization"))
	if !ok || presented == "" {
		return nil, errBadCredentials
	}
	return a.s.checkSecret(ctx, id, presented)
}

// ParseBasicAuth decodes an Authorization header of the Basic scheme whose
// user name and password are form-urlencoded (RFC 6749 §2.3.1).
func ParseBasicAuth(header string) (id, secret string, ok bool) {
	if len(header) < 6 || !strings.EqualFold(header[:6], "basic ") {
		return "", "", false
	}
	raw, err := decodeBasic(strings.TrimSpace(header[6:]))
	if err != nil {
		return "", "", false
	}
	encID, encSecret, found := strings.Cut(raw, ":")
	if !found {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(encID)
	secret, err2 := url.QueryUnescape(encSecret)
	if err1 != nil || err2 != nil || id == "" {
		return "", "", false
	}
	return id, secret, true
}

// decodeBasic decodes the base64 credentials of a Basic header, through
// buffers on the stack when they are short, as they usually are.
func decodeBasic(enc string) (string, error) {
	if len(enc) > 256 {
		raw, err := base64.StdEncoding.DecodeString(enc)
		return string(raw), err
	}
	var src [256]byte
	var dst [192]byte // base64.StdEncoding.DecodedLen(256)
	n, err := base64.StdEncoding.Decode(dst[:], src[:copy(src[:], enc)])
	return string(dst[:n]), err
}

// postAuth is client_secret_post (RFC 6749 §2.3.1): client_id and
// client_secret in the request body.
type postAuth struct{ s *Server }

func (postAuth) Present(req *ClientAuthRequest) bool {
	return req.Params.Get("client_secret") != ""
}

func (a postAuth) Authenticate(ctx context.Context, req *ClientAuthRequest) (*storage.Client, error) {
	return a.s.checkSecret(ctx, req.Params.Get("client_id"), req.Params.Get("client_secret"))
}

func (s *Server) checkSecret(ctx context.Context, id, presented string) (*storage.Client, error) {
	c, err := s.lookupClient(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.verifySecret(ctx, c, presented)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errBadCredentials
	}
	return c, nil
}

// verifySecret checks a presented secret against the client's stored hash
// in constant time, through Config.SecretCache when there is one. A check
// against a slow (argon2id) hash that the cache does not remember waits
// for one of the server's slow-check slots (see slowChecks).
func (s *Server) verifySecret(ctx context.Context, c *storage.Client, presented string) (bool, error) {
	if c.SecretHash == "" {
		return false, nil
	}
	cache := s.cfg.SecretCache
	if !secret.IsSlow(c.SecretHash) {
		return secret.Verify(c.SecretHash, presented), nil
	}
	if cache != nil && cache.Remembered(c.ID, c.SecretHash, presented) {
		return true, nil
	}
	release, err := s.slow.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	if cache != nil {
		return cache.Verify(c.ID, c.SecretHash, presented), nil
	}
	return secret.Verify(c.SecretHash, presented), nil
}

// noneAuth is the public client's "none" (RFC 7591 §2): a client_id and no
// secret.
type noneAuth struct{ s *Server }

func (noneAuth) Present(req *ClientAuthRequest) bool {
	return req.Params.Get("client_id") != ""
}

func (a noneAuth) Authenticate(ctx context.Context, req *ClientAuthRequest) (*storage.Client, error) {
	return a.s.lookupClient(ctx, req.Params.Get("client_id"))
}
