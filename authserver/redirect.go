package authserver

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/grantry/grantry"
)

// Response modes (OAuth 2.0 Multiple Response Type Encoding Practices §2,
// OAuth 2.0 Form Post Response Mode).
const (
	ModeQuery    = "query"
	ModeFragment = "fragment"
	ModeFormPost = "form_post"
)

func errorParams(e *grantry.Error) url.Values {
	p := url.Values{"error": {string(e.Code)}}
	if d := e.SafeDescription(); d != "" {
		p.Set("error_description", d)
	}
	if e.URI != "" {
		p.Set("error_uri", e.URI)
	}
	if e.State != "" {
		p.Set("state", e.State)
	}
	return p
}

// writeRedirect sends params to the redirect URI in the given mode.
func writeRedirect(w http.ResponseWriter, redirectURI, mode string, params url.Values) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	switch mode {
	case ModeFormPost:
		writeFormPost(w, redirectURI, params)
		return
	case ModeFragment:
		h.Set("Location", redirectURI+"#"+params.Encode())
	default:
		sep := "?"
		if strings.Contains(redirectURI, "?") {
			sep = "&"
		}
		h.Set("Location", redirectURI+sep+params.Encode())
	}
	w.WriteHeader(http.StatusFound)
}

var formPostPage = template.Must(template.New("form_post").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Submit</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.Action}}">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">
{{end}}<noscript><button type="submit">Continue</button></noscript>
</form></body></html>
`))

func writeFormPost(w http.ResponseWriter, action string, params url.Values) {
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_ = formPostPage.Execute(w, struct {
		Action template.URL
		Params url.Values
	}{template.URL(action), params})
}
