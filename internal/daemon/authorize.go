package daemon

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/internal/form"
	"github.com/grantry/grantry/openid"
	"github.com/grantry/grantry/storage"
)

// maxFormBytes limits the body of every form the pages post.
const maxFormBytes = 16 << 10

// consentForm is what the consent form posts: the authorization request
// itself stays in the query of the form's action.
type consentForm struct {
	posted   bool
	csrf     string
	decision string
}

// serveAuthorize is the authorization endpoint (RFC 6749 §3.1): it
// validates the request, sends a signed-out user to the sign-in page, and
// asks for consent unless the user gave it before for this client and
// scope.
func (a *app) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		a.message(w, r, http.StatusMethodNotAllowed, "Method not allowed", "The authorization endpoint takes GET and POST.")
		return
	}
	form, ok := a.readConsentForm(w, r)
	if !ok {
		return
	}
	req, err := a.oauth.ValidateAuthorizationRequest(r)
	if err != nil {
		a.oauth.WriteError(w, r, err)
		return
	}
	sess, user := a.signedIn(r)
	if form.posted {
		if user == nil {
			a.toLogin(w, r, req)
			return
		}
		a.decide(w, r, req, sess, user, form)
		return
	}
	a.next(w, r, req, sess, user)
}

// next does what the request asks of the user (OpenID Connect Core 1.0
// §3.1.2.1): sign in when nobody is, or as prompt, max_age or
// id_token_hint require; consent unless remembered, or always with
// prompt=consent; with prompt=none, the error instead of any page.
func (a *app) next(w http.ResponseWriter, r *http.Request, req *authserver.AuthorizationRequest, sess *session, user *storage.User) {
	var s *openid.Session
	if user != nil {
		s = &openid.Session{Subject: user.ID, AuthTime: sess.rec.AuthTime}
	}
	consented := user != nil && a.remembered(r, req, user)
	step, err := a.openid.Next(r.Context(), req, s, consented)
	switch {
	case err != nil:
		a.oauth.AuthorizeError(w, r, req, err)
	case step == openid.StepLogin:
		a.toLogin(w, r, req)
	case step == openid.StepConsent:
		a.showConsent(w, r, req, sess, user)
	default:
		a.approve(w, r, req, sess, user)
	}
}

// readConsentForm reads a posted consent form. A POST that carries
// neither csrf nor decision is an authorization request sent by POST
// (RFC 6749 §3.1), not a consent.
func (a *app) readConsentForm(w http.ResponseWriter, r *http.Request) (consentForm, bool) {
	if r.Method != http.MethodPost {
		return consentForm{}, true
	}
	if !a.readForm(w, r) {
		return consentForm{}, false
	}
	f := consentForm{csrf: r.PostForm.Get("csrf"), decision: r.PostForm.Get("decision")}
	_, hasCSRF := r.PostForm["csrf"]
	_, hasDecision := r.PostForm["decision"]
	f.posted = hasCSRF || hasDecision
	return f, true
}

// signedIn returns the browser's session and its user, or a nil user:
// none signed in, the session ended (signed out, expired, revoked, the
// password changed), or the user deleted. The session is nil when the
// browser has no cookie.
func (a *app) signedIn(r *http.Request) (*session, *storage.User) {
	ctx := r.Context()
	sess := a.sessions.load(r)
	if sess == nil {
		return nil, nil
	}
	if err := a.sessions.lookup(ctx, sess); err != nil {
		a.logFailure(ctx, "session lookup failed", err)
		return sess, nil
	}
	if sess.rec == nil {
		return sess, nil
	}
	u, err := a.store.users.GetUser(ctx, sess.rec.Subject)
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			a.logFailure(ctx, "user lookup failed", err)
		}
		return sess, nil
	}
	return sess, u
}

// requestPath is the same-origin path that repeats the authorization
// request: where sign-in returns to, and the consent form's action. The
// prompt values login and select_account are left out: the user has
// just signed in when the browser comes back to it. A request that was
// pushed or signed is kept by reference instead, under a new request_uri
// of its client (the one it came with is used up), so that it stays
// pushed and signed, and its parameters stay out of the browser's hands.
func (a *app) requestPath(ctx context.Context, req *authserver.AuthorizationRequest) (string, error) {
	v := make(url.Values, len(req.Params))
	for k, val := range req.Params {
		switch {
		case k == "csrf" || k == "decision":
		case form.Repeatable(k) && val != "":
			v[k] = req.Params.All(k) // such as resource (RFC 8707)
		default:
			v.Set(k, val)
		}
	}
	if p := v.Get("prompt"); p != "" {
		kept := slices.DeleteFunc(strings.Fields(p), func(s string) bool {
			return s == openid.PromptLogin || s == openid.PromptSelectAccount
		})
		v.Set("prompt", strings.Join(kept, " "))
		if len(kept) == 0 {
			v.Del("prompt")
		}
	}
	if !req.Pushed && !req.Signed {
		return "/authorize?" + v.Encode(), nil
	}
	kept := *req
	kept.Params = make(authserver.Params, len(v))
	for k := range v {
		kept.Params[k] = v.Get(k)
	}
	uri, err := a.par.Push(ctx, &kept, time.Now(), pageRequestLifetime)
	if err != nil {
		return "", err
	}
	return "/authorize?" + url.Values{"client_id": {req.Client.ID}, "request_uri": {uri}}.Encode(), nil
}

// pagePath is requestPath, or false after answering that the request
// cannot be kept.
func (a *app) pagePath(w http.ResponseWriter, r *http.Request, req *authserver.AuthorizationRequest) (string, bool) {
	path, err := a.requestPath(r.Context(), req)
	if err != nil {
		a.logFailure(r.Context(), "keeping the authorization request failed", err)
		a.message(w, r, http.StatusServiceUnavailable, "Try again later", "Signing in to the application is not possible right now.")
		return "", false
	}
	return path, true
}

// toLogin sends the browser to the sign-in page, which returns to the
// authorization request afterwards.
func (a *app) toLogin(w http.ResponseWriter, r *http.Request, req *authserver.AuthorizationRequest) {
	path, ok := a.pagePath(w, r, req)
	if !ok {
		return
	}
	q := url.Values{"return": {path}}
	if hint := req.Get("login_hint"); hint != "" {
		q.Set("login_hint", hint)
	}
	u := "/login?" + q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// decide answers a posted consent form, once its CSRF token is checked.
func (a *app) decide(w http.ResponseWriter, r *http.Request, req *authserver.AuthorizationRequest, sess *session, user *storage.User, f consentForm) {
	if !a.sessions.checkCSRF(sess, f.csrf) {
		a.message(w, r, http.StatusForbidden, "Request refused", "The form was not sent from this site, or your session changed. Go back and try again.")
		return
	}
	switch f.decision {
	case "approve":
		a.saveConsent(r, req, user)
		a.approve(w, r, req, sess, user)
	case "deny":
		a.oauth.Authorize(w, r, req, nil)
	default:
		a.message(w, r, http.StatusBadRequest, "Bad request", "Choose Allow or Deny.")
	}
}

// approve completes the authorization for the client, first recording
// it on the session: the clients a session signed in to are those told
// when it ends (OpenID Connect Back-Channel Logout).
func (a *app) approve(w http.ResponseWriter, r *http.Request, req *authserver.AuthorizationRequest, sess *session, user *storage.User) {
	if err := a.recordClient(r.Context(), sess, req.Client.ID); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			// Ended since the request began: sign in again.
			a.toLogin(w, r, req)
			return
		}
		a.logFailure(r.Context(), "recording the client of a session failed", err)
		a.message(w, r, http.StatusServiceUnavailable, "Try again later", "Signing in to the application is not possible right now.")
		return
	}
	a.oauth.Authorize(w, r, req, &authserver.Consent{
		Subject: user.ID, AuthTime: sess.rec.AuthTime, SessionID: sess.rec.ID, AMR: sess.rec.AMR,
	})
}

// recordClient adds clientID to the clients of the session, unless the
// session read for this request lists it already.
func (a *app) recordClient(ctx context.Context, sess *session, clientID string) error {
	if slices.Contains(sess.rec.Clients, clientID) {
		return nil
	}
	return a.sessions.store.AddSessionClient(ctx, sess.rec.ID, clientID)
}

// remembered reports whether the user consented before to this client
// having at least the requested scope. A public client's consent is never
// reused: anyone can send its client_id, with a PKCE pair of their own and
// a loopback redirect URI on any port, so only the user's action proves
// that the request comes from the app they approved (RFC 6749 §10.2,
// RFC 8252 §8.6).
func (a *app) remembered(r *http.Request, req *authserver.AuthorizationRequest, user *storage.User) bool {
	if req.Client.Public() {
		return false
	}
	c, err := a.store.consents.GetConsent(r.Context(), user.ID, req.Client.ID)
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			a.logFailure(r.Context(), "consent lookup failed", err)
		}
		return false
	}
	for _, name := range requestedClaims(req) {
		if !slices.Contains(c.Claims, name) {
			return false
		}
	}
	return c.Scope.Contains(req.Scope)
}

// requestedClaims returns the names of the claims the request asks for
// with the claims parameter, sorted: what a consent remembers beside the
// scope. The server refused a malformed parameter already.
func requestedClaims(req *authserver.AuthorizationRequest) []string {
	raw := req.Get("claims")
	if raw == "" || !openid.OpenID(req) {
		return nil
	}
	cr, err := openid.ParseClaimsRequest(raw)
	if err != nil {
		return nil
	}
	var names []string
	for _, m := range []map[string]*openid.ClaimRequest{cr.UserInfo, cr.IDToken} {
		for name := range m {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// saveConsent remembers the approval, adding the scope to what the user
// granted the client before. A failure only means asking again next time.
func (a *app) saveConsent(r *http.Request, req *authserver.AuthorizationRequest, user *storage.User) {
	ctx := r.Context()
	sc, claims := slices.Clone(req.Scope), requestedClaims(req)
	if old, err := a.store.consents.GetConsent(ctx, user.ID, req.Client.ID); err == nil {
		sc = unionScope(old.Scope, sc)
		claims = append(claims, old.Claims...)
		slices.Sort(claims)
		claims = slices.Compact(claims)
	}
	c := &storage.Consent{Subject: user.ID, ClientID: req.Client.ID, Scope: sc, Claims: claims, CreatedAt: req.Time}
	if err := a.store.consents.SaveConsent(ctx, c); err != nil {
		a.logFailure(ctx, "saving consent failed", err)
	}
}

func unionScope(a, b grantry.Scope) grantry.Scope {
	out := slices.Clone(a)
	for _, t := range b {
		if !out.Has(t) {
			out = append(out, t)
		}
	}
	return out
}

func (a *app) showConsent(w http.ResponseWriter, r *http.Request, req *authserver.AuthorizationRequest, sess *session, user *storage.User) {
	path, ok := a.pagePath(w, r, req)
	if !ok {
		return
	}
	text := pageLocale(r, req.Get("ui_locales"))
	p := consentPage{
		pageText:    text,
		Title:       text.T["allowAccess"],
		CSRF:        a.sessions.csrfToken(sess),
		Return:      path,
		Client:      clientName(req.Client),
		Username:    user.Username,
		Claims:      requestedClaims(req),
		Destination: destination(req.RedirectURI),
		Action:      path,
	}
	p.Scopes = scopeItems(text, req.Scope)
	a.render(w, r, http.StatusOK, a.pages.consent, p)
}

// clientName returns the name a client registered, or its ID.
func clientName(c *storage.Client) string {
	if c.Name != "" {
		return c.Name
	}
	return c.ID
}

// destination shows where the response goes: the redirect URI's scheme
// and host, or the whole URI for a private-use scheme.
func destination(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Host == "" {
		return redirectURI
	}
	return u.Scheme + "://" + u.Host
}
