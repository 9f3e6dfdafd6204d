package daemon

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"net/http"

	"github.com/grantry/grantry"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/grantry.css
var stylesheet []byte

// pageCSP is the Content-Security-Policy of every page: no script at all,
// the one stylesheet, and no framing (clickjacking).
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"

// pages holds the parsed templates.
type pages struct {
	login, consent, message *template.Template
	// device and deviceConsent are the verification page of the device
	// authorization grant (RFC 8628 §3.3): code entry, then consent.
	device, deviceConsent *template.Template
}

func loadPages() *pages {
	parse := func(name string) *template.Template {
		return template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+name))
	}
	return &pages{
		login:   parse("login.html"),
		consent: parse("consent.html"),
		message: parse("message.html"),
		device:  parse("device.html"),

		deviceConsent: parse("device_consent.html"),
	}
}

// loginPage is what the sign-in form shows.
type loginPage struct {
	pageText
	Title, CSRF, Return string
	Client, Username    string
	Error               string
}

// consentPage is what the consent form shows.
type consentPage struct {
	pageText
	Title, CSRF, Return string
	Client, Username    string
	Scopes              []scopeItem
	// Claims are the claims asked for by name (OpenID Connect Core 1.0
	// §5.5), beyond the scope.
	Claims      []string
	Destination string
	Action      string
}

type scopeItem struct{ Name, Description string }

// devicePage is the code entry form of the device verification page.
type devicePage struct {
	pageText
	Title, CSRF, Username string
	// UserCode prefills the form: the code of verification_uri_complete.
	UserCode string
	Error    string
}

// deviceConsentPage asks the user to approve a device's request.
type deviceConsentPage struct {
	pageText
	Title, CSRF, Username string
	Client, UserCode      string
	Scopes                []scopeItem
	// Return is where signing out returns to: the device page.
	Return string
}

// scopeItems lists scope with the descriptions of the scopes whose
// meaning is standard, in the page's language.
func scopeItems(text pageText, scope grantry.Scope) []scopeItem {
	items := make([]scopeItem, 0, len(scope))
	for _, s := range scope {
		items = append(items, scopeItem{Name: s, Description: text.T["scope_"+s]})
	}
	return items
}

// messagePage is a page with a message, and a sign-out button or a link.
type messagePage struct {
	pageText
	Title, CSRF, Message string
	SignOut              bool
	// Hidden are fields the sign-out form carries: the parameters of a
	// client's logout request.
	Hidden         map[string]string
	Link, LinkText string
}

// setPageHeaders sets the headers of every HTML page.
func setPageHeaders(h http.Header) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// render executes a template into a buffer first, so that a failure never
// sends half a page.
func (a *app) render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		a.logFailure(r.Context(), "page rendering failed", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w.Header())
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// message renders a page with a title and a message, in English.
func (a *app) message(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	a.render(w, r, status, a.pages.message, messagePage{pageText: english, Title: title, Message: msg})
}

// serveStylesheet serves the one stylesheet the pages use.
func serveStylesheet(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(stylesheet)
}

// readForm parses a posted form of at most maxFormBytes. On failure it
// answers 413 for a body over the limit, 400 for any other fault, and
// returns false.
func (a *app) readForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	err := r.ParseForm()
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooLarge):
		a.message(w, r, http.StatusRequestEntityTooLarge, "Request too large", "The form is larger than a form of this server can be.")
	default:
		a.message(w, r, http.StatusBadRequest, "Bad request", "The form could not be read.")
	}
	return false
}
