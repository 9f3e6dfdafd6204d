package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/openid"
	"github.com/grantry/grantry/storage"
)

// serveLogin shows the sign-in form (GET) and signs the user in (POST).
func (a *app) serveLogin(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q := r.URL.Query()
		a.showLogin(w, r, http.StatusOK, safeReturn(q.Get("return")), q.Get("login_hint"), "")
	case http.MethodPost:
		a.postLogin(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		a.message(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Use the sign-in form.")
	}
}

// showLogin renders the form, starting a session for its CSRF token when
// the browser has none, with the message of key msg, if any. It is in the
// language of the ui_locales of the request it returns to.
func (a *app) showLogin(w http.ResponseWriter, r *http.Request, status int, ret, username, msg string) {
	sess := a.sessions.load(r)
	if sess == nil {
		sess = a.sessions.fresh()
		a.sessions.save(w, sess)
	}
	text := pageLocale(r, uiLocalesOf(ret))
	if msg != "" {
		msg = text.T[msg]
	}
	a.render(w, r, status, a.pages.login, loginPage{
		pageText: text,
		Title:    text.T["signIn"],
		CSRF:     a.sessions.csrfToken(sess),
		Return:   ret,
		Client:   a.returnClientName(r, ret),
		Username: username,
		Error:    msg,
	})
}

func (a *app) postLogin(w http.ResponseWriter, r *http.Request) {
	if !a.readForm(w, r) {
		return
	}
	f := r.PostForm
	ret := safeReturn(f.Get("return"))
	old := a.sessions.load(r)
	if !a.sessions.checkCSRF(old, f.Get("csrf")) {
		a.showLogin(w, r, http.StatusForbidden, ret, "", "formExpired")
		return
	}
	username := f.Get("username")
	u, err := a.auth.authenticate(withRemote(r).Context(), username, f.Get("password"))
	if err != nil {
		a.loginFailed(w, r, ret, username, err)
		return
	}
	a.endSession(r, old, "session ended by a new sign-in")
	sess, err := a.sessions.signIn(r.Context(), w, u)
	if err != nil {
		a.loginFailed(w, r, ret, username, err)
		return
	}
	a.log.LogAttrs(r.Context(), slog.LevelInfo, "user signed in", slog.String("user", u.ID), slog.String("sid", sess.rec.ID))
	if ret == "" {
		ret = "/"
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, ret, http.StatusSeeOther)
}

func (a *app) loginFailed(w http.ResponseWriter, r *http.Request, ret, username string, err error) {
	if errors.Is(err, password.ErrInvalidCredentials) {
		a.log.LogAttrs(r.Context(), slog.LevelInfo, "sign-in failed", slog.String("remote", r.RemoteAddr))
		a.showLogin(w, r, http.StatusBadRequest, ret, username, "wrongPassword")
		return
	}
	if e, ok := grantry.AsError(err); ok && e.Code == grantry.ErrTemporarilyUnavailable {
		w.Header().Set("Retry-After", e.Header.Get("Retry-After"))
		msg := "loginBusy"
		if e.Status == http.StatusTooManyRequests {
			a.log.LogAttrs(r.Context(), slog.LevelWarn, "sign-in throttled", slog.String("remote", r.RemoteAddr))
			msg = "loginThrottled"
		}
		a.showLogin(w, r, e.Status, ret, username, msg)
		return
	}
	a.logFailure(r.Context(), "sign-in error", err)
	a.showLogin(w, r, http.StatusServiceUnavailable, ret, username, "loginUnavailable")
}

// serveLogout is the sign-out page and the end_session_endpoint
// (RP-Initiated Logout 1.0): GET shows who is signed in with a button,
// for a client's logout request too, since a sign-out must be confirmed
// (§2); POST with the CSRF token signs out, tells the clients of the
// session (Back-Channel Logout 1.0) and returns to the client's
// registered post_logout_redirect_uri when the request names one. A
// request that is not valid is refused on a page of its own: it never
// redirects.
func (a *app) serveLogout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, HEAD, POST")
		a.message(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Use the sign-out button.")
		return
	}
	if !a.readForm(w, r) {
		return
	}
	params := logoutParams(r.Form)
	lr, err := a.openid.ValidateLogout(r.Context(), params, a.store.clients)
	if err != nil {
		a.message(w, r, http.StatusBadRequest, "Sign-out refused", authserver.AsError(err).SafeDescription()+".")
		return
	}
	sess, user := a.signedIn(r)
	if _, posted := r.PostForm["csrf"]; !posted {
		a.confirmLogout(w, r, sess, user, lr, params)
		return
	}
	if !a.sessions.checkCSRF(sess, r.PostForm.Get("csrf")) {
		a.message(w, r, http.StatusForbidden, "Request refused", "The form was not sent from this site, or your session changed.")
		return
	}
	if !a.endSession(r, sess, "user signed out") {
		a.message(w, r, http.StatusServiceUnavailable, "Try again later", "Signing out is not possible right now.")
		return
	}
	a.sessions.clear(w)
	a.afterLogout(w, r, lr)
}

// logoutParams are the parameters of a logout request, without the
// sign-out form's own.
func logoutParams(form url.Values) url.Values {
	out := make(url.Values, len(form))
	for k, v := range form {
		if k != "csrf" && k != "return" {
			out[k] = v
		}
	}
	return out
}

// confirmLogout asks the signed-in user to confirm a sign-out; a browser
// signed in to nobody goes on at once.
func (a *app) confirmLogout(w http.ResponseWriter, r *http.Request, sess *session, user *storage.User, lr *openid.LogoutRequest, params url.Values) {
	if user == nil {
		a.afterLogout(w, r, lr)
		return
	}
	text := pageLocale(r, params.Get("ui_locales"))
	p := messagePage{
		pageText: text, Title: text.T["signOut"], CSRF: a.sessions.csrfToken(sess), SignOut: true,
		Message: fmt.Sprintf(text.T["confirmSignOut"], user.Username),
		Hidden:  map[string]string{},
	}
	if lr.Client != nil {
		p.Message = fmt.Sprintf(text.T["clientSignOut"], clientName(lr.Client), user.Username)
	}
	for k := range params {
		p.Hidden[k] = params.Get(k)
	}
	a.render(w, r, http.StatusOK, a.pages.message, p)
}

// afterLogout returns to the client's post_logout_redirect_uri, or to the
// sign-in the form names, or says the user is signed out.
func (a *app) afterLogout(w http.ResponseWriter, r *http.Request, lr *openid.LogoutRequest) {
	if lr.Redirect(w, r) {
		return
	}
	if ret := safeReturn(r.PostForm.Get("return")); ret != "" {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, ret, http.StatusSeeOther)
		return
	}
	text := pageLocale(r, r.Form.Get("ui_locales"))
	a.render(w, r, http.StatusOK, a.pages.message, messagePage{pageText: text, Title: text.T["signedOut"], Message: text.T["signedOutMsg"]})
}

// endSession deletes the signed-in session of sess, if any, and logs msg;
// it reports false when the store failed.
func (a *app) endSession(r *http.Request, sess *session, msg string) bool {
	if sess == nil {
		return true
	}
	ctx := r.Context()
	err := a.sessions.lookup(ctx, sess)
	var rec *storage.Session
	if err == nil {
		rec, err = a.sessions.signOut(ctx, sess)
	}
	if err != nil {
		a.logFailure(ctx, "ending a session failed", err)
		return false
	}
	if rec != nil {
		a.log.LogAttrs(ctx, slog.LevelInfo, msg, slog.String("user", rec.Subject), slog.String("sid", rec.ID),
			slog.Int("clients", len(rec.Clients)))
		if len(rec.Clients) > 0 {
			// Ending it queued its logout: tell its clients now.
			a.drainLogouts(ctx)
		}
	}
	return true
}

// serveHome shows who is signed in, with a sign-out button.
func (a *app) serveHome(w http.ResponseWriter, r *http.Request) {
	sess, user := a.signedIn(r)
	text := pageLocale(r, "")
	p := messagePage{pageText: text, Title: text.T["notSignedIn"], Message: text.T["notSignedInMsg"]}
	if user != nil {
		p.Title, p.Message = text.T["signedIn"], fmt.Sprintf(text.T["signedInMsg"], user.Username)
		p.CSRF, p.SignOut = a.sessions.csrfToken(sess), true
	}
	a.render(w, r, http.StatusOK, a.pages.message, p)
}

func (a *app) serveNotFound(w http.ResponseWriter, r *http.Request) {
	a.message(w, r, http.StatusNotFound, "Not found", "There is no page here.")
}

// safeReturn accepts only the same-origin paths this server generates: the
// authorization endpoint with a query, and the device verification page
// with or without one. Anything else, such as an absolute URL or a
// scheme-relative //host, becomes "" (no open redirect).
func safeReturn(p string) string {
	if strings.ContainsAny(p, "\\\r\n\t") {
		return ""
	}
	authorize := strings.HasPrefix(p, "/authorize?")
	device := p == devicePath || strings.HasPrefix(p, devicePath+"?")
	if !authorize && !device {
		return ""
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Fragment != "" {
		return ""
	}
	if (authorize && u.Path != "/authorize") || (device && u.Path != devicePath) {
		return ""
	}
	return p
}

// returnClientName names the client the sign-in continues to, for the
// page's heading; "" when unknown.
func (a *app) returnClientName(r *http.Request, ret string) string {
	if ret == "" {
		return ""
	}
	u, _ := url.Parse(ret)
	id := u.Query().Get("client_id")
	if id == "" {
		return ""
	}
	c, err := a.store.clients.GetClient(r.Context(), id)
	if err != nil {
		return ""
	}
	return clientName(c)
}
