package daemon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/grantry/grantry"
)

// chromium returns the path of Debian's chromium. Without it the browser
// tests are skipped, except under CI=true, where they fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; under CI=true the browser test must run (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium)")
	return ""
}

// newBrowser starts a headless chromium with a fresh profile.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 760),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// callback is the client's redirection endpoint: it hands every query it
// receives to the test.
type callback struct {
	srv  *httptest.Server
	hits chan url.Values
}

func newCallback(t *testing.T) *callback {
	cb := &callback{hits: make(chan url.Values, 4)}
	cb.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/cb" { // such as the browser's /favicon.ico
			http.NotFound(w, r)
			return
		}
		cb.hits <- r.URL.Query()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!DOCTYPE html><title>client</title><p id=done>back at the client</p>"))
	}))
	t.Cleanup(cb.srv.Close)
	return cb
}

func (cb *callback) uri() string { return cb.srv.URL + "/cb" }

// wait returns the next query the client received.
func (cb *callback) wait(t *testing.T) url.Values {
	t.Helper()
	select {
	case q := <-cb.hits:
		return q
	case <-time.After(30 * time.Second):
		t.Fatal("the browser never reached the client's redirect URI")
		return nil
	}
}

func (h *harness) browserAuthorizeURL(clientID, redirect string) string {
	return h.url("/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"scope": {"profile email"}, "state": {"browser-state"},
	}.Encode())
}

// screenshot saves the page when GRANTRY_SCREENSHOT_DIR names a directory.
func screenshot(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		dir := os.Getenv("GRANTRY_SCREENSHOT_DIR")
		if dir == "" {
			return nil
		}
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
	})
}

// TestBrowserCodeFlow signs in, consents and exchanges the code in a real
// browser; then denies another client, and posts a consent form stripped
// of its CSRF token. The cookies are Secure: chromium keeps them on
// http://127.0.0.1, a potentially trustworthy origin.
func TestBrowserCodeFlow(t *testing.T) {
	ctx := newBrowser(t)
	h := newHarness(t, func(c *serveConfig) { c.InsecureDev = false })
	cb := newCallback(t)
	secret := h.addClient("browser-app", "Browser App", grantry.AuthClientSecretBasic, cb.uri())
	h.addClient("denied-app", "Denied App", grantry.AuthClientSecretBasic, cb.uri())
	h.addClient("csrf-app", "CSRF App", grantry.AuthClientSecretBasic, cb.uri())

	t.Run("sign in and approve", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(h.browserAuthorizeURL("browser-app", cb.uri())),
			chromedp.WaitVisible(chromedp.CSS(`#username`)),
			screenshot("login"),
			chromedp.SendKeys(chromedp.CSS(`#username`), testUser),
			chromedp.SendKeys(chromedp.CSS(`#password`), testPassword),
			chromedp.Click(chromedp.CSS(`button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`button[value=approve]`)),
		)
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.lead`)))
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		if err := chromedp.Do(ctx, screenshot("consent"), chromedp.Click(chromedp.CSS(`button[value=approve]`)), chromedp.WaitVisible(chromedp.CSS(`#done`))); err != nil {
			t.Fatalf("browser: %v", err)
		}
		if !strings.Contains(heading, "Browser App") {
			t.Errorf("consent heading = %q, want the client's name", heading)
		}
		q := cb.wait(t)
		if q.Get("state") != "browser-state" || q.Get("code") == "" {
			t.Fatalf("client received %v, want a code and state=browser-state", q)
		}
		tok := exchangeAs(t, h, "browser-app", secret, cb.uri(), q.Get("code"))
		if tok.status != http.StatusOK || jsonField(t, tok.body, "access_token") == "" {
			t.Errorf("code exchange: %d %s, want 200 with an access token", tok.status, tok.body)
		}
	})

	t.Run("deny", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(h.browserAuthorizeURL("denied-app", cb.uri())),
			chromedp.WaitVisible(chromedp.CSS(`button[value=deny]`)),
			chromedp.Click(chromedp.CSS(`button[value=deny]`)),
			chromedp.WaitVisible(chromedp.CSS(`#done`)),
		)
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		q := cb.wait(t)
		if q.Get("error") != "access_denied" || q.Get("state") != "browser-state" || q.Get("code") != "" {
			t.Errorf("client received %v, want error=access_denied, the state and no code", q)
		}
	})

	t.Run("consent without CSRF token", func(t *testing.T) {
		err := chromedp.Do(ctx,
			chromedp.Navigate(h.browserAuthorizeURL("csrf-app", cb.uri())),
			chromedp.WaitVisible(chromedp.CSS(`button[value=approve]`)),
			chromedp.SetAttributeValue(chromedp.CSS(`form input[name=csrf]`), "name", "stripped"),
		)
		if err == nil {
			_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`button[value=approve]`)))
		}
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		title, err := chromedp.Run(ctx, chromedp.Title())
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
		if err != nil {
			t.Fatalf("browser: %v", err)
		}
		if !strings.Contains(title, "Request refused") || !strings.Contains(text, "not sent from this site") {
			t.Errorf("page %q: %q, want the refusal page", title, text)
		}
		select {
		case q := <-cb.hits:
			t.Errorf("the client received %v after a consent without CSRF token, want nothing", q)
		default:
		}
	})
}

func exchangeAs(t *testing.T, h *harness, id, secret, redirect, code string) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	return do(t, http.DefaultClient, req)
}
