package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/devicecode"
	"github.com/grantry/grantry/storage"
)

// Paths of the device authorization grant (RFC 8628): the endpoint the
// device calls, and the verification page users enter codes on.
const (
	deviceAuthorizationPath = "/device_authorization"
	devicePath              = "/device"
)

// User-code guessing (RFC 8628 §5.1). Wrong codes are counted per user
// and address, per address, and per user; from the fifth wrong code (the
// twentieth from one address, which may be shared) each try waits a
// delay that starts at a second and doubles up to a quarter of an hour. Only the signed-in user's own
// failures count against them, so nobody can lock another user out. A
// right code forgets nothing: anyone may obtain valid codes of their own
// from a public client, and could otherwise interleave them with guesses.
var deviceThrottleRules = [3]throttleRule{
	{free: 4, maxDelay: 15 * time.Minute},  // user and address
	{free: 19, maxDelay: 15 * time.Minute}, // address
	{free: 4, maxDelay: 15 * time.Minute},  // user
}

// registerDevice registers the device grant when --grants names it, and
// returns the handler of its device authorization endpoint; nil when off.
func (a *app) registerDevice(grants []grantry.GrantType) (http.Handler, error) {
	if !slices.Contains(grants, grantry.GrantDeviceCode) {
		return nil, nil
	}
	if a.store.devices == nil {
		return nil, errors.New("--grants device_code: this store keeps no device authorizations")
	}
	g, err := devicecode.New(a.store.devices, devicecode.Config{
		VerificationURI: a.cfg.Issuer + devicePath,
		URL:             deviceAuthorizationPath,
		Lifetime:        a.cfg.DeviceLifetime,
		Interval:        a.cfg.DeviceInterval,
		AuthMethods:     allMethods,
	})
	if err != nil {
		return nil, err
	}
	a.device = g
	a.deviceThrottle = newThrottleRules(nil, deviceThrottleRules)
	a.oauth.RegisterGrant(g)
	return a.oauth.Mount(g.AuthorizationEndpoint()), nil
}

// serveDevice is the verification page (RFC 8628 §3.3): a signed-in user
// enters the user code (prefilled from verification_uri_complete, but
// never acted on without the user's submit, §5.4), sees the client and
// the scope with the code to compare with the device's, and approves or
// denies. Everything posted carries the CSRF token of the session.
func (a *app) serveDevice(w http.ResponseWriter, r *http.Request) {
	if a.device == nil {
		a.serveNotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, HEAD, POST")
		a.message(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Use the form.")
		return
	}
	if r.Method == http.MethodPost && !a.readForm(w, r) {
		return
	}
	sess, user := a.signedIn(r)
	code := r.FormValue("user_code")
	if user == nil {
		a.deviceToLogin(w, r, code)
		return
	}
	if r.Method != http.MethodPost {
		prefill, _ := devicecode.NormalizeUserCode(code)
		a.showDevice(w, r, http.StatusOK, sess, user, devicecode.FormatUserCode(prefill), "")
		return
	}
	if !a.sessions.checkCSRF(sess, r.PostForm.Get("csrf")) {
		a.showDevice(w, r, http.StatusForbidden, sess, user, "", "deviceFormExpired")
		return
	}
	a.postDevice(w, r, sess, user, code)
}

// deviceToLogin sends a signed-out browser to sign in, then back to the
// page with the code it came with.
func (a *app) deviceToLogin(w http.ResponseWriter, r *http.Request, code string) {
	ret := devicePath
	if c, ok := devicecode.NormalizeUserCode(code); ok {
		ret += "?" + url.Values{"user_code": {devicecode.FormatUserCode(c)}}.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/login?"+url.Values{"return": {ret}}.Encode(), http.StatusSeeOther)
}

// postDevice answers a posted code, with or without a decision. Each
// code that is not valid counts as a guess; a user or address that has
// guessed too often waits first (429 with Retry-After).
func (a *app) postDevice(w http.ResponseWriter, r *http.Request, sess *session, user *storage.User, code string) {
	ctx, addr := r.Context(), remoteHost(r)
	if wait := a.deviceThrottle.wait(user.ID, addr); wait > 0 {
		a.log.LogAttrs(ctx, slog.LevelWarn, "user code entry throttled", slog.String("user", user.ID), slog.String("remote", addr))
		w.Header().Set("Retry-After", throttledError(wait).Header.Get("Retry-After"))
		a.showDevice(w, r, http.StatusTooManyRequests, sess, user, code, "deviceThrottled")
		return
	}
	d, err := a.device.Lookup(ctx, code, time.Now())
	if errors.Is(err, devicecode.ErrUserCode) {
		a.deviceThrottle.failed(user.ID, addr)
		a.log.LogAttrs(ctx, slog.LevelInfo, "wrong user code", slog.String("user", user.ID), slog.String("remote", addr))
		a.showDevice(w, r, http.StatusBadRequest, sess, user, code, "deviceWrongCode")
		return
	}
	if err != nil {
		a.deviceUnavailable(w, r, err)
		return
	}
	client, err := a.store.clients.GetClient(ctx, d.ClientID)
	if err != nil {
		a.deviceUnavailable(w, r, err)
		return
	}
	switch r.PostForm.Get("decision") {
	case "":
		a.showDeviceConsent(w, r, sess, user, client, d)
	case "approve", "deny":
		a.decideDevice(w, r, sess, user, client, code)
	default:
		a.message(w, r, http.StatusBadRequest, "Bad request", "Choose Allow or Deny.")
	}
}

// decideDevice records the user's decision and says what it was.
func (a *app) decideDevice(w http.ResponseWriter, r *http.Request, sess *session, user *storage.User, client *storage.Client, code string) {
	ctx, now := r.Context(), time.Now()
	approve := r.PostForm.Get("decision") == "approve"
	var err error
	if approve {
		_, err = a.device.Approve(ctx, code, &authserver.Consent{
			Subject: user.ID, AuthTime: sess.rec.AuthTime, SessionID: sess.rec.ID, AMR: sess.rec.AMR,
		}, now)
	} else {
		err = a.device.Deny(ctx, code, now)
	}
	switch {
	case errors.Is(err, devicecode.ErrUserCode):
		// Decided or expired since the consent page was shown.
		a.showDevice(w, r, http.StatusBadRequest, sess, user, code, "deviceWrongCode")
		return
	case err != nil:
		a.deviceUnavailable(w, r, err)
		return
	}
	a.log.LogAttrs(ctx, slog.LevelInfo, "device authorization decided", slog.String("user", user.ID),
		slog.String("client", client.ID), slog.Bool("approved", approve))
	text := pageLocale(r, "")
	title, msg := text.T["deviceDenied"], text.T["deviceDeniedMsg"]
	if approve {
		title, msg = text.T["deviceApproved"], text.T["deviceApprovedMsg"]
	}
	a.render(w, r, http.StatusOK, a.pages.message, messagePage{pageText: text, Title: title, Message: fmt.Sprintf(msg, clientName(client))})
}

func (a *app) deviceUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	a.logFailure(r.Context(), "device verification failed", err)
	a.message(w, r, http.StatusServiceUnavailable, "Try again later", "Connecting a device is not possible right now.")
}

// showDevice renders the code entry form, with the message of key msg, if
// any.
func (a *app) showDevice(w http.ResponseWriter, r *http.Request, status int, sess *session, user *storage.User, code, msg string) {
	text := pageLocale(r, "")
	if msg != "" {
		msg = text.T[msg]
	}
	if len(code) > 32 {
		code = ""
	}
	a.render(w, r, status, a.pages.device, devicePage{
		pageText: text, Title: text.T["deviceTitle"], CSRF: a.sessions.csrfToken(sess),
		Username: user.Username, UserCode: code, Error: msg,
	})
}

// showDeviceConsent asks the user to approve the device's request.
func (a *app) showDeviceConsent(w http.ResponseWriter, r *http.Request, sess *session, user *storage.User, client *storage.Client, d *storage.DeviceAuthorization) {
	text := pageLocale(r, "")
	code, _ := devicecode.NormalizeUserCode(r.PostForm.Get("user_code"))
	p := deviceConsentPage{
		pageText: text, Title: text.T["allowAccess"], CSRF: a.sessions.csrfToken(sess),
		Username: user.Username, Client: clientName(client), UserCode: devicecode.FormatUserCode(code),
		Scopes: scopeItems(text, d.Scope), Return: devicePath,
	}
	a.render(w, r, http.StatusOK, a.pages.deviceConsent, p)
}
