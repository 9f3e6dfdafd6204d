package authserver

import (
	"html/template"
	"net"
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

// checkRedirectURI applies the rules every redirect URI must follow,
// whatever the client registered: absolute, no fragment (RFC 6749
// §3.1.2), no scheme that runs code, and https unless the host is a
// loopback one or InsecureAllowHTTP is set. A loopback host is a loopback
// IP literal (RFC 8252 §7.3) or localhost, which RFC 8252 §8.3 does not
// recommend but which names the same machine (storage.Client lets
// the port vary on an IP literal only). Private-use schemes of native
// apps (RFC 8252 §7.1) are allowed.
func (s *Server) checkRedirectURI(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(raw, "#") {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "javascript", "data", "vbscript", "file", "blob", "about":
		return false
	case "http":
		return u.Host != "" && (s.cfg.InsecureAllowHTTP || isLoopbackHost(u.Hostname()))
	case "https":
		return u.Host != ""
	}
	return true
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
