package keyset

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxAge is how long a JWK Set served by [Handler] may be cached when
// the handler does not say otherwise.
const DefaultMaxAge = 5 * time.Minute

// Handler serves the public keys of a Set as a JWK Set document (RFC 7517
// §5) with media type application/jwk-set+json (RFC 7517 §8.5), for use as
// a jwks_uri. Responses may be cached for MaxAge (DefaultMaxAge when zero)
// and carry an entity tag, so caches revalidate cheaply. Only GET and HEAD
// are allowed.
type Handler struct {
	Set    *Set
	MaxAge time.Duration
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var doc []byte
	var etag string
	if h.Set != nil {
		doc, etag = h.Set.document()
	} else {
		doc, etag = []byte(`{"keys":[]}`), emptyETag
	}
	hdr := w.Header()
	hdr.Set("Cache-Control", h.cacheControl())
	hdr.Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", "application/jwk-set+json")
	hdr.Set("Content-Length", strconv.Itoa(len(doc)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(doc)
}

func (h *Handler) cacheControl() string {
	age := h.MaxAge
	if age <= 0 {
		age = DefaultMaxAge
	}
	return "public, max-age=" + strconv.FormatInt(int64(age/time.Second), 10)
}

// etagMatches implements the weak comparison of If-None-Match (RFC 9110
// §13.1.2).
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}
