package daemon

import (
	"net/http"
	"net/url"
	"strings"
)

// recorder remembers the status of a response and, for an OAuth error,
// its error code: from the JSON body of RFC 6749 §5.2 or from the error
// parameter of a redirect (§4.1.2.1).
type recorder struct {
	http.ResponseWriter
	status int
	code   string
	sniff  bool
}

func (r *recorder) WriteHeader(status int) {
	if r.status != 0 {
		return
	}
	r.status = status
	h := r.Header()
	switch {
	case status == http.StatusFound || status == http.StatusSeeOther:
		r.code = redirectErrorCode(h.Get("Location"))
	case status >= 400 && strings.HasPrefix(h.Get("Content-Type"), "application/json"):
		r.sniff = true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if r.sniff {
		r.sniff = false
		r.code = jsonErrorCode(b)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// jsonErrorCode reads the error member that starts every error body the
// authorization server writes.
func jsonErrorCode(b []byte) string {
	const prefix = `{"error":"`
	s := string(b)
	if !strings.HasPrefix(s, prefix) {
		return ""
	}
	s = s[len(prefix):]
	end := strings.IndexByte(s, '"')
	if end < 0 {
		return ""
	}
	return boundedCode(s[:end])
}

// redirectErrorCode returns the error parameter of a redirect to a client.
func redirectErrorCode(location string) string {
	if !strings.Contains(location, "error=") {
		return ""
	}
	u, err := url.Parse(location)
	if err != nil {
		return ""
	}
	code := u.Query().Get("error")
	if code == "" {
		frag, _ := url.ParseQuery(u.Fragment)
		code = frag.Get("error")
	}
	return boundedCode(code)
}

// boundedCode keeps metric labels few: an error code is lower-case
// letters and underscores, at most 40 of them; anything else is "other".
func boundedCode(code string) string {
	if code == "" {
		return ""
	}
	if len(code) > 40 {
		return "other"
	}
	for i := 0; i < len(code); i++ {
		if c := code[i]; (c < 'a' || c > 'z') && c != '_' {
			return "other"
		}
	}
	return code
}
