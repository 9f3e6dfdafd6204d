// Package form parses OAuth request parameters strictly: a parameter sent
// twice is an error (RFC 6749 §3.1 and §3.2), bodies are size limited and
// must be application/x-www-form-urlencoded, and a parameter sent without a
// value counts as omitted.
package form

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// DefaultMaxBytes is the body size limit used when none is given.
const DefaultMaxBytes = 64 << 10

// Sep joins the values of a parameter that may repeat: a NUL, which no
// value of such a parameter may hold.
const Sep = "\x00"

// Repeatable reports whether a parameter may be sent more than once:
// resource (RFC 8707 §2) and audience (RFC 8693 §2.1). Its values are
// kept in order, joined by Sep; Values.All splits them.
func Repeatable(name string) bool { return name == "resource" || name == "audience" }

// Values holds request parameters, each present at most once.
type Values map[string]string

// Get returns the value of a parameter, or "" when it is absent or empty.
func (v Values) Get(name string) string { return v[name] }

// Has reports whether the parameter was sent with a non-empty value.
func (v Values) Has(name string) bool { return v[name] != "" }

// All returns the values of a repeatable parameter, nil when it is absent.
func (v Values) All(name string) []string { return Split(v[name]) }

// Split returns the values joined by Sep in s, nil when s is empty.
func Split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, Sep)
}

// Add adds a value of the parameter name: joined to those before it for
// a repeatable parameter, an error for any other named already. An empty
// value of a repeatable parameter counts as omitted; one holding Sep is
// malformed.
func (v Values) Add(name, value string) error {
	old, dup := v[name]
	if !Repeatable(name) {
		if dup {
			return &Error{Status: http.StatusBadRequest, Reason: "parameter " + printable(name) + " is repeated"}
		}
		v[name] = value
		return nil
	}
	switch {
	case strings.Contains(value, Sep):
		return &Error{Status: http.StatusBadRequest, Reason: "parameter " + printable(name) + " holds a NUL"}
	case value == "":
		if !dup {
			v[name] = ""
		}
	case old == "":
		v[name] = value
	default:
		v[name] = old + Sep + value
	}
	return nil
}

// Error describes why a request could not be parsed. Status is the HTTP
// status to answer with: 400, 405, 413 or 415; Header holds the header
// fields that status calls for, if any: Allow with a 405 (RFC 9110
// §15.5.6), Accept-Encoding with a 415 for a content coding (§15.5.16).
type Error struct {
	Status int
	Reason string
	Header http.Header
}

func (e *Error) Error() string { return e.Reason }

// Parse decodes an application/x-www-form-urlencoded string. A parameter
// named twice, with any values, is an error, unless it is Repeatable.
func Parse(s string) (Values, error) {
	v := make(Values, 8)
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(rawKey)
		val, err2 := url.QueryUnescape(rawVal)
		if err1 != nil || err2 != nil || strings.ContainsRune(pair, ';') {
			return nil, &Error{Status: http.StatusBadRequest, Reason: "malformed form encoding"}
		}
		if err := v.Add(key, val); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Query parses the URL query of r.
func Query(r *http.Request) (Values, error) {
	return Parse(r.URL.RawQuery)
}

// PostBody parses the body of a POST request whose content type is
// application/x-www-form-urlencoded, reading at most maxBytes (0 means
// DefaultMaxBytes). Any other method is a 405, any other content type or a
// content coding other than identity a 415, and a larger body a 413.
func PostBody(r *http.Request, maxBytes int64) (Values, error) {
	if r.Method != http.MethodPost {
		return nil, &Error{Status: http.StatusMethodNotAllowed, Reason: "the method must be POST", Header: http.Header{"Allow": {http.MethodPost}}}
	}
	return Body(r, maxBytes)
}

// Body parses a form-encoded request body as PostBody does, whatever the
// method.
func Body(r *http.Request, maxBytes int64) (Values, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if !isFormContent(r.Header.Get("Content-Type")) {
		return nil, &Error{Status: http.StatusUnsupportedMediaType, Reason: "the content type must be application/x-www-form-urlencoded"}
	}
	if !isIdentityCoding(r.Header.Values("Content-Encoding")) {
		return nil, &Error{
			Status: http.StatusUnsupportedMediaType, Reason: "the request body must not have a content coding",
			Header: http.Header{"Accept-Encoding": {"identity"}},
		}
	}
	if r.Body == nil {
		return Values{}, nil
	}
	buf := bodyBufs.Get().(*[]byte)
	defer putBodyBuf(buf)
	data, err := readAtMost((*buf)[:0], r.Body, maxBytes+1)
	*buf = data
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Reason: "the request body could not be read"}
	}
	if int64(len(data)) > maxBytes {
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Reason: "the request body is too large"}
	}
	return Parse(string(data))
}

// bodyBufs holds the buffers request bodies are read into: the parsed
// values are copied out of them.
var bodyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// putBodyBuf returns a buffer to bodyBufs, unless a large body grew it.
func putBodyBuf(b *[]byte) {
	if cap(*b) <= 4<<10 {
		bodyBufs.Put(b)
	}
}

// readAtMost appends to b what r yields until EOF or limit bytes.
func readAtMost(b []byte, r io.Reader, limit int64) ([]byte, error) {
	for int64(len(b)) < limit {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		end := min(int64(cap(b)), limit)
		n, err := r.Read(b[len(b):end])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

func isFormContent(ct string) bool {
	if ct == "application/x-www-form-urlencoded" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// isIdentityCoding reports whether the Content-Encoding header values name
// no coding other than identity (RFC 9110 §8.4): a coded body is not the
// form itself, and no coding is undone here.
func isIdentityCoding(values []string) bool {
	for _, v := range values {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" && !strings.EqualFold(c, "identity") {
				return false
			}
		}
	}
	return true
}

// printable shortens a parameter name for an error message and drops what
// may not appear in an error_description.
func printable(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Map(func(r rune) rune {
		if r >= 0x20 && r <= 0x7E && r != '"' && r != '\\' {
			return r
		}
		return -1
	}, s)
}
