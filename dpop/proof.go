package dpop

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/grantry/grantry/keyset"
)

// ProofType is the typ header of a DPoP proof (RFC 9449 §4.2).
const ProofType = "dpop+jwt"

// Defaults of Config.
const (
	// DefaultMaxAge is how old a proof's iat may be.
	DefaultMaxAge = time.Minute
	// DefaultLeeway is the clock skew tolerated on iat, either way.
	DefaultLeeway = 10 * time.Second
	// maxProofBytes bounds the DPoP header read.
	maxProofBytes = 8 << 10
	// maxJTIBytes bounds the jti kept in the replay cache.
	maxJTIBytes = 256
)

// DefaultAlgorithms are the proof algorithms a Verifier accepts when
// Config.Algorithms is nil: every asymmetric algorithm of package keyset.
func DefaultAlgorithms() []keyset.Algorithm { return keyset.AsymmetricAlgorithms() }

// Config configures a Verifier. The zero value accepts proofs signed with
// DefaultAlgorithms, up to DefaultMaxAge old, remembered in a
// MemoryReplayCache, without nonces.
type Config struct {
	// Algorithms are the signature algorithms accepted (RFC 9449 §4.3,
	// item 5); only asymmetric ones are ever accepted.
	Algorithms []keyset.Algorithm
	// MaxAge is how old a proof's iat may be; zero means DefaultMaxAge.
	MaxAge time.Duration
	// Leeway is the clock skew tolerated on iat; zero means
	// DefaultLeeway.
	Leeway time.Duration
	// Replay remembers the jti of accepted proofs; nil means a
	// MemoryReplayCache, which only a single process can rely on.
	Replay ReplayCache
	// Nonces, when set, makes every proof carry a nonce it handed out: a
	// proof without one, or with a stale one, is refused with
	// use_dpop_nonce and a fresh nonce in the DPoP-Nonce header.
	Nonces *Nonces
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// KeyCache bounds how many proof keys the verifier remembers, parsed
	// and with their thumbprints, so that the next proofs of a client skip
	// that work; zero or less means keyset.DefaultEmbeddedHeaders. Every
	// proof is still checked in full (see keyset.EmbeddedVerifier).
	KeyCache int
}

// Verifier checks DPoP proofs. It is safe for concurrent use.
type Verifier struct {
	cfg  Config
	algs []string
	jws  *keyset.EmbeddedVerifier
	// lastURI is the last URI a proof was checked for, normalized.
	lastURI atomic.Pointer[normalizedURI]
}

// NewVerifier returns a verifier. Symmetric algorithms in
// cfg.Algorithms are dropped.
func NewVerifier(cfg Config) *Verifier {
	if cfg.Algorithms == nil {
		cfg.Algorithms = DefaultAlgorithms()
	}
	var algs []keyset.Algorithm
	var names []string
	for _, a := range cfg.Algorithms {
		if a.Supported() && !a.Symmetric() {
			algs, names = append(algs, a), append(names, string(a))
		}
	}
	cfg.Algorithms = algs
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.Leeway <= 0 {
		cfg.Leeway = DefaultLeeway
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Replay == nil {
		cfg.Replay = NewMemoryReplayCache(cfg.Now)
	}
	return &Verifier{cfg: cfg, algs: names, jws: keyset.NewEmbeddedVerifier(algs, cfg.KeyCache)}
}

// Algorithms returns the names of the accepted algorithms, for the
// dpop_signing_alg_values_supported metadata (RFC 9449 §5.1) and the algs
// of a DPoP challenge (§7.1).
func (v *Verifier) Algorithms() []string { return append([]string(nil), v.algs...) }

// Nonce returns a nonce to hand out in the DPoP-Nonce header, or "" when
// the verifier asks for none.
func (v *Verifier) Nonce() string {
	if v.cfg.Nonces == nil {
		return ""
	}
	return v.cfg.Nonces.Nonce()
}

// Proof is a checked DPoP proof.
type Proof struct {
	// JKT is the JWK SHA-256 thumbprint of the proof's key (RFC 7638),
	// the value tokens bound to the key carry as cnf.jkt (RFC 9449 §6).
	JKT string
	// Key is the public key that signed the proof, and Algorithm how.
	Key       crypto.PublicKey
	Algorithm keyset.Algorithm
	// ID, Method, URI, IssuedAt and Nonce are the jti, htm, htu, iat and
	// nonce claims.
	ID       string
	Method   string
	URI      string
	IssuedAt time.Time
	Nonce    string
}

// Verify checks the DPoP proof of r (RFC 9449 §4.3) for a request with
// r.Method to uri, the URI the server is reached at (the query and
// fragment of either are ignored). When accessToken is not empty the
// proof comes with it to a resource and must carry its hash as ath (§7).
// A request without a DPoP header returns ErrNoProof; a refused proof a
// *grantry.Error invalid_dpop_proof, or use_dpop_nonce with a DPoP-Nonce
// header; any other error means the replay cache could not answer.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, uri, accessToken string) (*Proof, error) {
	raw, err := proofHeader(r.Header)
	if err != nil {
		return nil, err
	}
	p, c, err := v.parse(raw)
	if err != nil {
		return nil, err
	}
	if err := v.checkClaims(p, c, r.Method, uri, accessToken); err != nil {
		return nil, err
	}
	if err := v.checkNonce(p); err != nil {
		return nil, err
	}
	exp := p.IssuedAt.Add(v.cfg.MaxAge + 2*v.cfg.Leeway)
	seen, err := v.cfg.Replay.SeenJTI(ctx, "dpop "+p.JKT+" "+p.ID, exp)
	if err != nil {
		return nil, err
	}
	if seen {
		return nil, invalidProof("the DPoP proof was used before")
	}
	return p, nil
}

// headerName is the DPoP header's name in canonical form, as the keys of
// http.Header are.
const headerName = "Dpop"

// proofHeader returns the one DPoP header field (RFC 9449 §4.3, item 1).
func proofHeader(h http.Header) (string, error) {
	values := h[headerName]
	switch {
	case len(values) == 0:
		return "", ErrNoProof
	case len(values) > 1 || strings.Contains(values[0], ","):
		return "", invalidProof("more than one DPoP header")
	case values[0] == "":
		return "", invalidProof("the DPoP header is empty")
	case len(values[0]) > maxProofBytes:
		return "", invalidProof("the DPoP proof is too large")
	}
	return values[0], nil
}

// parse checks the proof's form, type, algorithm and signature by its own
// key (RFC 9449 §4.3, items 2 to 7) and decodes its claims.
func (v *Verifier) parse(raw string) (*Proof, *claims, error) {
	ver, jkt, err := v.jws.Verify(raw)
	if err != nil {
		return nil, nil, invalidProof("the DPoP proof is not a JWT signed by the key of its jwk header with an accepted algorithm")
	}
	if !strings.EqualFold(ver.Header.Type, ProofType) {
		return nil, nil, invalidProof("the DPoP proof's typ is not dpop+jwt")
	}
	c, err := decodeClaims(ver.Payload)
	if err != nil {
		return nil, nil, invalidProof("the DPoP proof's claims are malformed")
	}
	return &Proof{JKT: jkt, Key: ver.Key.Key, Algorithm: ver.Header.Algorithm}, c, nil
}

// checkClaims checks jti, htm, htu, iat and ath (RFC 9449 §4.3, items 8
// to 12) and copies them to p.
func (v *Verifier) checkClaims(p *Proof, c *claims, method, uri, accessToken string) error {
	switch {
	case c.JTI == "" || len(c.JTI) > maxJTIBytes:
		return invalidProof("the DPoP proof has no valid jti")
	case c.HTM != method:
		return invalidProof("the DPoP proof's htm is not the request's method")
	case !v.sameURI(c.HTU, uri):
		return invalidProof("the DPoP proof's htu is not the request's URI")
	}
	iat, ok := numericDate(c.IAT)
	if !ok {
		return invalidProof("the DPoP proof has no valid iat")
	}
	now := v.cfg.Now()
	if iat.Before(now.Add(-v.cfg.MaxAge-v.cfg.Leeway)) || iat.After(now.Add(v.cfg.Leeway)) {
		return invalidProof("the DPoP proof's iat is too far from the server's time")
	}
	if accessToken != "" && (c.ATH == nil || !ValidATH(*c.ATH, accessToken)) {
		return invalidProof("the DPoP proof's ath is not the hash of the access token")
	}
	p.ID, p.Method, p.URI, p.IssuedAt = c.JTI, c.HTM, c.HTU, iat
	if c.Nonce != nil {
		p.Nonce = *c.Nonce
	}
	return nil
}

// checkNonce asks for a nonce when the verifier hands them out and the
// proof has none, or a stale one (RFC 9449 §8, §9).
func (v *Verifier) checkNonce(p *Proof) error {
	n := v.cfg.Nonces
	if n == nil || n.Valid(p.Nonce) {
		return nil
	}
	return useNonce(n.Nonce())
}

// sameURI compares htu and uri after normalization.
func (v *Verifier) sameURI(htu, uri string) bool {
	b, ok := v.normalizeURI(uri)
	if !ok {
		return false
	}
	if htu == uri {
		return true
	}
	a, ok := NormalizeURI(htu)
	return ok && a == b
}

// normalizedURI is a URI and its normal form.
type normalizedURI struct{ raw, norm string }

// normalizeURI normalizes the URI a request was sent to, which is mostly
// the one of the request before: the last one is kept.
func (v *Verifier) normalizeURI(uri string) (string, bool) {
	if last := v.lastURI.Load(); last != nil && last.raw == uri {
		return last.norm, true
	}
	norm, ok := NormalizeURI(uri)
	if ok {
		v.lastURI.Store(&normalizedURI{raw: uri, norm: norm})
	}
	return norm, ok
}

// numericDate reads a NumericDate (RFC 7519 §2): a JSON number of seconds,
// possibly with a fraction. raw is a JSON value that decodeClaims checked,
// so one that starts with a digit or a minus sign is a JSON number, which
// ParseFloat reads as encoding/json would.
func numericDate(raw json.RawMessage) (time.Time, bool) {
	if len(raw) == 0 || raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 1<<40 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// ATH returns the ath of a proof sent with accessToken: the base64url
// SHA-256 hash of its ASCII (RFC 9449 §4.2).
func ATH(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ValidATH reports, in constant time, whether ath is the hash of
// accessToken.
func ValidATH(ath, accessToken string) bool {
	sum := sha256.Sum256([]byte(accessToken))
	var want [43]byte // base64url of 32 bytes, unpadded
	base64.RawURLEncoding.Encode(want[:], sum[:])
	return subtle.ConstantTimeCompare([]byte(ath), want[:]) == 1
}
