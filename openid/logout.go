package openid

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// LogoutRequest is a validated RP-Initiated Logout request (RP-Initiated
// Logout 1.0 §2): what the sign-out page needs to ask the user and where
// to send the browser afterwards.
type LogoutRequest struct {
	// Client is the client the request names, by client_id or by the
	// audience of id_token_hint; nil when it names none.
	Client *storage.Client
	// HintSubject and HintSessionID are the sub and sid of id_token_hint;
	// "" without a hint.
	HintSubject   string
	HintSessionID string
	// RedirectURI is the post_logout_redirect_uri, registered for Client;
	// "" when the request has none: the server then shows its own page.
	RedirectURI string
	State       string
	LogoutHint  string
	UILocales   []string
}

// ValidateLogout checks the parameters of a logout request: the query of
// a GET, the form of a POST. id_token_hint must be an ID token the provider signed, expired
// or not (§4); client_id, when both are given, must be its audience; a
// post_logout_redirect_uri must be registered, exactly, for the client
// the request names (§3). A failure is an invalid_request error to show
// on the server's own page: it is never redirected.
func (p *Provider) ValidateLogout(ctx context.Context, params url.Values, clients storage.ClientStore) (*LogoutRequest, error) {
	for _, v := range params {
		if len(v) > 1 {
			return nil, grantry.InvalidRequest("a parameter is repeated")
		}
	}
	var err error
	lr := &LogoutRequest{State: params.Get("state"), LogoutHint: params.Get("logout_hint"),
		UILocales: strings.Fields(params.Get("ui_locales"))}
	clientID := params.Get("client_id")
	if hint := params.Get("id_token_hint"); hint != "" {
		c, err := p.verifyHint(ctx, hint)
		if err != nil {
			return nil, err
		}
		if clientID != "" && !slices.Contains(c.Audience, clientID) {
			return nil, grantry.InvalidRequest("client_id is not the audience of id_token_hint")
		}
		if clientID == "" && len(c.Audience) == 1 {
			clientID = c.Audience[0]
		}
		lr.HintSubject, lr.HintSessionID = c.Subject, c.SessionID
	}
	if clientID != "" {
		if lr.Client, err = clients.GetClient(ctx, clientID); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return nil, grantry.InvalidRequest("unknown client")
			}
			return nil, grantry.ServerError(err)
		}
	}
	if uri := params.Get("post_logout_redirect_uri"); uri != "" {
		if lr.Client == nil || !slices.Contains(lr.Client.PostLogoutRedirectURIs, uri) {
			return nil, grantry.InvalidRequest("post_logout_redirect_uri is not registered for the client")
		}
		lr.RedirectURI = uri
	}
	return lr, nil
}

// SubjectIs reports whether the request's id_token_hint names the user
// the server knows as user; true without a hint.
func (p *Provider) SubjectIs(lr *LogoutRequest, user string) bool {
	if lr.HintSubject == "" {
		return true
	}
	if lr.Client == nil {
		return false
	}
	sub, err := p.subject(lr.Client, user)
	return err == nil && sub == lr.HintSubject
}

// Redirect sends the browser to the post_logout_redirect_uri with the
// request's state (§3), or reports false when there is none.
func (lr *LogoutRequest) Redirect(w http.ResponseWriter, r *http.Request) bool {
	if lr.RedirectURI == "" {
		return false
	}
	target := lr.RedirectURI
	if lr.State != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + url.Values{"state": {lr.State}}.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
	return true
}

// verifiedHint are the claims of an id_token_hint the provider uses.
type verifiedHint struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  audience `json:"aud"`
	SessionID string   `json:"sid"`
}

// verifyHint checks that hint is an ID token the provider signed, expired
// or not.
func (p *Provider) verifyHint(ctx context.Context, hint string) (*verifiedHint, error) {
	bad := grantry.InvalidRequest("id_token_hint is not an ID token this provider issued")
	set := p.cfg.Keys()
	if set == nil {
		return nil, bad
	}
	v, err := keyset.Verify(ctx, hint, set, keyset.AsymmetricAlgorithms())
	if err != nil {
		return nil, bad
	}
	var c verifiedHint
	if err := json.Unmarshal(v.Payload, &c); err != nil || c.Issuer != p.cfg.Issuer || c.Subject == "" || len(c.Audience) == 0 {
		return nil, bad
	}
	return &c, nil
}
