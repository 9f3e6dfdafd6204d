package openid

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// UserInfoConfig configures the UserInfo endpoint. Tokens and Clients are
// required: the stores of the authorization server.
type UserInfoConfig struct {
	Tokens  storage.TokenFinder
	Clients storage.ClientStore
	// Realm is the realm of the WWW-Authenticate challenges; empty means
	// bearer.DefaultRealm.
	Realm string
	// Logger receives the causes of failures (5xx answers); nil means
	// slog.Default().
	Logger *slog.Logger
}

// UserInfo returns the UserInfo endpoint (Core §5.3). It answers GET and
// POST with an access token the server issued with scope openid, in the
// Authorization header or, for POST, the form body (RFC 6750 §2.1, §2.2):
// a JSON object with sub and the claims the token's scope and the claims
// request's userinfo member ask for, that the user has. A missing, invalid
// or expired token is answered as RFC 6750 §3 says, 401 with a Bearer
// challenge; a token without scope openid is 403 insufficient_scope.
func (p *Provider) UserInfo(cfg UserInfoConfig) http.Handler {
	v := &userInfoValidator{tokens: cfg.Tokens, issuer: p.cfg.Issuer, now: p.cfg.Now}
	prot := bearer.New(v, bearer.Config{Realm: cfg.Realm, AllowForm: true, Now: p.cfg.Now, Logger: cfg.Logger})
	return &userInfoHandler{p: p, clients: cfg.Clients, prot: prot}
}

type userInfoHandler struct {
	p       *Provider
	clients storage.ClientStore
	prot    *bearer.Protector
}

var errUnknownUser = &grantry.Error{Code: grantry.ErrInvalidToken, Description: "the token's user or client no longer exists", Status: http.StatusUnauthorized}

func (h *userInfoHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	info, err := h.prot.Acquire(r, bearer.AllOf(ScopeOpenID))
	if err != nil {
		h.prot.WriteError(w, r, err)
		return
	}
	body, err := h.claims(r.Context(), info)
	if err != nil {
		h.prot.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// claims returns the UserInfo response of a token.
func (h *userInfoHandler) claims(ctx context.Context, info *grantry.TokenInfo) ([]byte, error) {
	if info.Subject == "" {
		return nil, errUnknownUser
	}
	client, err := h.clients.GetClient(ctx, info.ClientID)
	if err != nil {
		return nil, lookupError(err)
	}
	sub, err := h.p.subject(client, info.Subject)
	if err != nil {
		return nil, err
	}
	var member map[string]*ClaimRequest
	if raw, _ := info.Extra[extraClaims].(string); raw != "" {
		if cr, err := ParseClaimsRequest(raw); err == nil {
			member = cr.UserInfo
		}
	}
	out, err := h.p.userClaims(ctx, info.Subject, wanted(info.Scope, member))
	if err != nil {
		return nil, lookupError(err)
	}
	if out == nil {
		out = map[string]any{}
	}
	out["sub"] = sub
	b, err := json.Marshal(out)
	if err != nil {
		return nil, grantry.ServerError(err)
	}
	return b, nil
}

func lookupError(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return errUnknownUser
	}
	return err
}

// userInfoValidator validates access tokens against the server's store,
// as accesstoken.StoreValidator does, and passes on the claims request
// kept with the token.
type userInfoValidator struct {
	tokens storage.TokenFinder
	issuer string
	now    func() time.Time
}

func (v *userInfoValidator) ValidateToken(ctx context.Context, token string) (grantry.TokenInfo, error) {
	var info grantry.TokenInfo
	t, err := v.tokens.TokenByAccess(ctx, secret.Digest(token))
	if errors.Is(err, storage.ErrNotFound) {
		return info, nil
	}
	if err != nil {
		return info, err
	}
	t.AccessInfo(&info, v.issuer, v.now())
	if raw := t.Extra[extraClaims]; raw != "" && info.Active {
		info.Extra = map[string]any{extraClaims: raw}
	}
	return info, nil
}
