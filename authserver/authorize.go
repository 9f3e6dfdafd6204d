package authserver

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// AuthorizationRequest is a validated authorization request
// (RFC 6749 §4.1.1, §4.2.1): what a consent page shows and what
// Server.Authorize answers.
type AuthorizationRequest struct {
	HTTP   *http.Request
	Params Params
	Client *storage.Client
	// Time is when the server received the request, by Config.Now.
	Time time.Time
	// ResponseType is the requested response type.
	ResponseType grantry.ResponseType
	// RedirectURI is where the response goes. RedirectURIGiven tells
	// whether the request named it (RFC 6749 §4.1.3).
	RedirectURI      string
	RedirectURIGiven bool
	// ResponseMode is "query", "fragment" or "form_post".
	ResponseMode string
	// Scope is the requested scope, checked against the client's.
	Scope grantry.Scope
	// Resource lists the resources the request names (RFC 8707 §2.1),
	// kept with the code: the token request may ask for any of them.
	Resource []string
	State    string
	// Values an extension sets for the grant to store with the code.
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	Extra               map[string]string
	// Pushed tells that the parameters came from a pushed authorization
	// request (RFC 9126), Signed that they came from a request object
	// verified with the client's keys (RFC 9101): either way they replaced
	// those of the query, and request and request_uri are gone from
	// Params.
	Pushed bool
	Signed bool

	grant AuthorizationGrant
}

// Get returns a request parameter.
func (r *AuthorizationRequest) Get(name string) string { return r.Params.Get(name) }

// Consent is a signed-in user's approval of an authorization request.
type Consent struct {
	// Subject identifies the user.
	Subject string
	// Scope is the scope the user grants: a subset of the requested scope.
	// Nil grants all that was requested. An empty, non-nil scope grants
	// nothing: when scope was requested the request is denied
	// (access_denied), since a response cannot express an empty scope
	// (RFC 6749 §3.3).
	Scope grantry.Scope
	// AuthTime is when the user authenticated; zero means now.
	AuthTime time.Time
	// SessionID identifies the user's session at the server, for the
	// OpenID Connect sid claim; ACR and AMR say how the user
	// authenticated (OpenID Connect Core 1.0 §2). The server keeps them
	// with the code (ExtraSessionID, ExtraACR, ExtraAMR) for the
	// extensions to read at the token endpoint.
	SessionID string
	ACR       string
	AMR       []string
}

// Keys of the consent's values in AuthorizationRequest.Extra, stored with
// an authorization code.
const (
	ExtraSessionID = "sid"
	ExtraACR       = "acr"
	// ExtraAMR holds the methods separated by spaces.
	ExtraAMR = "amr"
	// ExtraAuthTime holds when the user signed in, in seconds since the
	// Unix epoch, for a grant that keeps no code (as the device grant).
	ExtraAuthTime = "auth_time"
)

// ValidateAuthorizationRequest parses and validates an authorization
// request. GET requests carry their parameters in the query; POST requests
// in the query and a form body together. Errors found before the client and
// redirect URI are trusted are answered in a JSON body; later ones carry
// the redirect URI, so WriteError redirects them (RFC 6749 §4.1.2.1).
//
// A request_uri (RFC 9126 §4) or request object (RFC 9101) is resolved
// first: its parameters replace the query's. An error resolving it, such
// as invalid_request_uri, invalid_request_object or request_not_supported
// (RFC 9101 §7), is redirected as RFC 6749 §4.1.2.1 says when the query's
// own client_id and redirect_uri (or the client's only one) check out,
// with the query's state; otherwise it is answered in a JSON body.
func (s *Server) ValidateAuthorizationRequest(r *http.Request) (*AuthorizationRequest, error) {
	params, err := authorizeParams(r, s.cfg.MaxBodyBytes)
	if err != nil {
		return nil, err
	}
	req := &AuthorizationRequest{HTTP: r, Params: params, Time: s.now()}
	ctx := r.Context()
	if err := s.resolveRequest(ctx, req); err != nil {
		return nil, s.resolveError(ctx, r, params, err)
	}
	req.State = req.Get("state")
	if err := s.checkClientAndRedirect(ctx, req); err != nil {
		return nil, err
	}
	if err := s.checkAuthorizationParams(ctx, req); err != nil {
		return nil, req.redirectError(err)
	}
	return req, nil
}

// checkClientAndRedirect establishes the client and its redirect URI; until
// both hold, no error may redirect (RFC 6749 §4.1.2.1).
func (s *Server) checkClientAndRedirect(ctx context.Context, req *AuthorizationRequest) error {
	id := req.Get("client_id")
	if id == "" {
		return &grantry.Error{Code: grantry.ErrInvalidRequest, Description: "missing client_id", State: req.State}
	}
	client := req.Client
	if client == nil {
		c, err := s.lookupClient(ctx, id)
		if err == errBadCredentials {
			return &grantry.Error{Code: grantry.ErrInvalidClient, Description: "unknown client", Status: http.StatusBadRequest, State: req.State}
		}
		if err != nil {
			return AsError(err)
		}
		client = c
	}
	req.Client = client
	uri := req.Get("redirect_uri")
	req.RedirectURIGiven = uri != ""
	if uri == "" {
		uri = defaultRedirectURI(client)
	} else if !registeredRedirectURI(client, uri) {
		uri = ""
	}
	if uri == "" || !s.checkRedirectURI(uri) {
		return &grantry.Error{Code: grantry.ErrInvalidRequest, Description: "missing or unregistered redirect_uri", State: req.State}
	}
	req.RedirectURI = uri
	return nil
}

// checkAuthorizationParams validates the rest, once errors may redirect:
// how the request was sent (pushed, signed), response type (RFC 6749
// §3.1.1), response mode, scope (§3.3), then the grant's and extensions'
// own checks.
func (s *Server) checkAuthorizationParams(ctx context.Context, req *AuthorizationRequest) error {
	if err := s.checkRequestPolicy(req); err != nil {
		return err
	}
	rt := canonicalResponseType(req.Get("response_type"))
	if rt == "" {
		return grantry.InvalidRequest("missing response_type")
	}
	g, ok := s.authzGrant[grantry.ResponseType(rt)]
	if !ok {
		return grantry.NewError(grantry.ErrUnsupportedResponseType, "the response type is not supported")
	}
	req.grant, req.ResponseType = g, grantry.ResponseType(rt)
	if err := req.setResponseMode(); err != nil {
		return err
	}
	if !mayUseResponseType(req.Client, req.ResponseType) {
		return grantry.NewError(grantry.ErrUnauthorizedClient, "the client may not use this response type")
	}
	sc, err := checkScope(req.Get("scope"), s.cfg.Scopes, req.Client)
	if err != nil {
		return err
	}
	req.Scope = sc
	if req.Resource, err = s.checkResources(req.Params); err != nil {
		return err
	}
	if err := g.ValidateAuthorization(ctx, req); err != nil {
		return err
	}
	if err := s.checkDPoPJKT(req); err != nil {
		return err
	}
	for _, h := range s.exts {
		if h.ValidateAuthorization != nil {
			if err := h.ValidateAuthorization(ctx, req); err != nil {
				return err
			}
		}
	}
	return nil
}

// canonicalResponseType orders the words of a response type, whose order
// does not matter (RFC 6749 §3.1.1), as the registered names are: sorted,
// which gives "code id_token token". A repeated word leaves it unknown.
func canonicalResponseType(rt string) string {
	words := strings.Fields(rt)
	if len(words) < 2 {
		return rt
	}
	slices.Sort(words)
	if len(slices.Compact(slices.Clone(words))) != len(words) {
		return rt
	}
	return strings.Join(words, " ")
}

// setResponseMode applies response_mode. A response carrying a token is
// never sent in the query (Multiple Response Type Encoding Practices §3).
func (req *AuthorizationRequest) setResponseMode() error {
	def := responseModeFor(string(req.ResponseType))
	req.ResponseMode = def
	switch m := req.Get("response_mode"); m {
	case "":
	case ModeQuery:
		if def == ModeFragment {
			return grantry.InvalidRequest("the response type may not use response_mode=query")
		}
		req.ResponseMode = m
	case ModeFragment, ModeFormPost:
		req.ResponseMode = m
	default:
		return grantry.InvalidRequest("unsupported response_mode")
	}
	return nil
}

// redirectError makes err redirect to the trusted redirect URI with the
// request's state.
func (req *AuthorizationRequest) redirectError(err error) error {
	e := AsError(err)
	out := *e
	out.RedirectURI = req.RedirectURI
	out.State = req.State
	out.ResponseMode = req.ResponseMode
	if out.ResponseMode == "" {
		out.ResponseMode = responseModeFor(req.Get("response_type"))
	}
	return &out
}

// responseModeFor guesses the mode of an error found before the response
// type was known: fragment when a token was asked for.
func responseModeFor(rt string) string {
	for _, w := range strings.Fields(rt) {
		if w == string(grantry.ResponseToken) || w == string(grantry.ResponseIDToken) {
			return ModeFragment
		}
	}
	return ModeQuery
}

// Authorize answers a validated request with the user's decision. A nil
// consent is a denial: access_denied (RFC 6749 §4.1.2.1). Otherwise the
// grant issues its code or token and the response is redirected with the
// request's state and the server's issuer (RFC 9207).
func (s *Server) Authorize(w http.ResponseWriter, r *http.Request, req *AuthorizationRequest, c *Consent) {
	params, err := s.authorize(r.Context(), req, c)
	if err != nil {
		s.WriteError(w, r, req.redirectError(err))
		return
	}
	if req.State != "" {
		params.Set("state", req.State)
	}
	if s.cfg.Issuer != "" {
		params.Set("iss", s.cfg.Issuer)
	}
	writeRedirect(w, req.RedirectURI, req.ResponseMode, params)
}

// AuthorizeError answers a validated request with an error the
// application found, such as login_required for a request with
// prompt=none whose user is not signed in (OpenID Connect Core 1.0
// §3.1.2.6): redirected to the client with the request's state, in its
// response mode.
func (s *Server) AuthorizeError(w http.ResponseWriter, r *http.Request, req *AuthorizationRequest, err error) {
	s.WriteError(w, r, req.redirectError(err))
}

func (s *Server) authorize(ctx context.Context, req *AuthorizationRequest, c *Consent) (url.Values, error) {
	granted, err := s.granted(req, c)
	if err != nil {
		return nil, err
	}
	a, err := req.grant.Authorize(ctx, req, granted)
	if err != nil {
		return nil, err
	}
	params := a.Params
	if params == nil {
		params = url.Values{}
	}
	if a.Token != nil {
		if err := s.issueAtAuthorization(ctx, req, a.Token, params); err != nil {
			return nil, err
		}
	}
	for _, h := range s.exts {
		if h.AuthorizationResponse != nil {
			if err := h.AuthorizationResponse(ctx, req, granted, params); err != nil {
				return nil, err
			}
		}
	}
	return params, nil
}

// granted checks the consent against the request: nil is a denial, a nil
// scope grants all that was requested (RFC 6749 §4.1.2.1, §3.3).
func (s *Server) granted(req *AuthorizationRequest, c *Consent) (*Consent, error) {
	if c == nil {
		return nil, grantry.NewError(grantry.ErrAccessDenied, "the resource owner denied the request")
	}
	granted := *c
	if granted.Scope == nil {
		granted.Scope = req.Scope
	} else if !req.Scope.Contains(granted.Scope) {
		return nil, grantry.ServerError(errConsentScope)
	} else if len(granted.Scope) == 0 && len(req.Scope) > 0 {
		return nil, grantry.NewError(grantry.ErrAccessDenied, "the resource owner granted none of the requested scope")
	}
	if granted.AuthTime.IsZero() {
		granted.AuthTime = req.Time
	}
	req.keepAuthentication(&granted)
	return &granted, nil
}

// keepAuthentication adds how the user authenticated to the values stored
// with a code.
func (req *AuthorizationRequest) keepAuthentication(c *Consent) {
	set := func(k, v string) {
		if v == "" {
			return
		}
		if req.Extra == nil {
			req.Extra = make(map[string]string, 3)
		}
		req.Extra[k] = v
	}
	set(ExtraSessionID, c.SessionID)
	set(ExtraACR, c.ACR)
	set(ExtraAMR, strings.Join(c.AMR, " "))
}

// issueAtAuthorization issues an access token straight from the
// authorization endpoint, as the implicit grant does (RFC 6749 §4.2.2),
// and adds it to params. No refresh token is ever issued there.
func (s *Server) issueAtAuthorization(ctx context.Context, req *AuthorizationRequest, iss *Issue, params url.Values) error {
	plain := *iss
	plain.Refresh, plain.RotateFrom = false, ""
	if plain.Resource == nil {
		plain.Resource = req.Resource
	}
	tok := s.newToken(req.Client.ID, &plain, req.Time)
	resp, err := s.mint(ctx, req.Client, tok, false)
	if err != nil {
		return err
	}
	if err := s.storeToken(ctx, tok, &plain, resp); err != nil {
		return err
	}
	params.Set("access_token", resp.AccessToken)
	params.Set("token_type", resp.TokenType)
	params.Set("expires_in", strconv.FormatInt(resp.ExpiresIn, 10))
	if len(resp.Scope) > 0 {
		params.Set("scope", resp.Scope.String())
	}
	return nil
}
