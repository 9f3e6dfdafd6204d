// Command baseline is a hand-written client_credentials token endpoint
// (RFC 6749 §4.4) on net/http and an in-memory map, for scripts/bench-peers:
// about the least a correct server does per request. It authenticates the
// client with HTTP Basic (§2.3.1, form-encoded credentials) against a
// SHA-256 digest in constant time, checks the grant type, draws a 256-bit
// token from crypto/rand, keeps its digest with the expiry, and answers
// with Cache-Control: no-store (§5.1).
//
//	baseline ADDR CLIENT_ID CLIENT_SECRET
package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"log"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

type server struct {
	clientID   string
	secretHash [32]byte
	mu         sync.Mutex
	tokens     map[[32]byte]time.Time
}

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: baseline ADDR CLIENT_ID CLIENT_SECRET")
	}
	s := &server{clientID: os.Args[2], secretHash: sha256.Sum256([]byte(os.Args[3])), tokens: map[[32]byte]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	log.Fatal(http.ListenAndServe(os.Args[1], mux))
}

func (s *server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		fail(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if !s.authenticated(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="token"`)
		fail(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		fail(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	tok := base64.RawURLEncoding.EncodeToString(raw[:])
	s.mu.Lock()
	s.tokens[sha256.Sum256([]byte(tok))] = time.Now().Add(time.Hour)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}

// authenticated checks HTTP Basic credentials, which RFC 6749 §2.3.1
// form-encodes.
func (s *server) authenticated(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	id, err1 := url.QueryUnescape(user)
	sec, err2 := url.QueryUnescape(pass)
	if err1 != nil || err2 != nil {
		return false
	}
	h := sha256.Sum256([]byte(sec))
	return id == s.clientID && subtle.ConstantTimeCompare(h[:], s.secretHash[:]) == 1
}

func fail(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}
