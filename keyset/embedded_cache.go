package keyset

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
)

// DefaultEmbeddedHeaders is how many protected headers an
// EmbeddedVerifier remembers when it is given no bound. A remembered
// header takes about 3 KB with a P-256 key and 4 KB with an RSA 2048 key,
// so that the default bound holds some 6 to 12 MB at most.
const DefaultEmbeddedHeaders = 2048

// maxRememberedHeader bounds the base64url text of a protected header an
// EmbeddedVerifier remembers; a larger one (an RSA key over 4096 bits) is
// parsed with every token.
const maxRememberedHeader = 1536

// EmbeddedVerifier checks tokens signed by the key of their own jwk header
// as VerifyEmbedded does, and gives the RFC 7638 thumbprint of that key.
//
// The signer of such tokens puts the same protected header on each of
// them: a DPoP client signs every proof with one key (RFC 9449 §4.2). So
// the verifier remembers, for a bounded number of protected headers, the
// header as go-jose parsed it once a token carrying it passed every check,
// with its key and the key's thumbprint. A token whose protected header is
// remembered, byte for byte in its base64url text, is not parsed again:
// its algorithm and key are checked again from the remembered values, and
// its signature is verified by go-jose with the remembered key over the
// token's own payload. Any other header, even one that differs only in
// its key, is parsed and checked as new; a header that is refused is never
// remembered. When the bound is reached the least recently used half is
// dropped, so a flood of new keys costs parsing time only.
//
// It is safe for concurrent use.
type EmbeddedVerifier struct {
	algs     []Algorithm
	joseAlgs []jose.SignatureAlgorithm
	bound    int // headers remembered at most
	half     int // headers in a generation at most

	mu       sync.Mutex
	cur, old map[string]*embeddedHeader
}

// embeddedHeader is a protected header that passed every check.
type embeddedHeader struct {
	sig jose.Signature // as parsed from the first token with this header
	hdr Header
	jwk *jose.JSONWebKey
	jkt string
}

// NewEmbeddedVerifier returns a verifier accepting the asymmetric
// algorithms in algs that remembers up to headers protected headers;
// headers <= 0 means DefaultEmbeddedHeaders.
func NewEmbeddedVerifier(algs []Algorithm, headers int) *EmbeddedVerifier {
	if headers <= 0 {
		headers = DefaultEmbeddedHeaders
	}
	var allowed []Algorithm
	for _, a := range algs {
		if a.Supported() && !a.Symmetric() {
			allowed = append(allowed, a)
		}
	}
	return &EmbeddedVerifier{
		algs: allowed, joseAlgs: joseAlgorithms(allowed, false), bound: headers, half: max(1, headers/2),
		cur: make(map[string]*embeddedHeader), old: make(map[string]*embeddedHeader),
	}
}

// Verify checks token as VerifyEmbedded does and returns it with the
// thumbprint of its key.
func (v *EmbeddedVerifier) Verify(token string) (ver *Verified, thumbprint string, err error) {
	if len(token) > maxTokenBytes {
		return nil, "", fmt.Errorf("%w: token too large", ErrMalformed)
	}
	protected, _, _ := strings.Cut(token, ".")
	if e := v.lookup(protected); e != nil {
		return v.verifyKnown(e, token)
	}
	return v.verifyNew(protected, token)
}

// verifyKnown checks a token whose protected header is remembered.
func (v *EmbeddedVerifier) verifyKnown(e *embeddedHeader, token string) (*Verified, string, error) {
	payload, sig, err := splitCompact(token)
	if err != nil {
		return nil, "", err
	}
	if err := checkEmbedded(e.hdr, e.jwk, v.algs); err != nil {
		return nil, "", err
	}
	s := e.sig
	s.Signature = sig
	jws := jose.JSONWebSignature{Signatures: []jose.Signature{s}}
	if err := jws.DetachedVerify(payload, e.jwk.Key); err != nil {
		return nil, "", ErrSignature
	}
	return &Verified{Header: e.hdr, Payload: payload, Key: PublicKey{Algorithm: e.hdr.Algorithm, Key: e.jwk.Key}}, e.jkt, nil
}

// verifyNew parses and checks a token whose protected header is not
// remembered, and remembers the header once the token passed.
func (v *EmbeddedVerifier) verifyNew(protected, token string) (*Verified, string, error) {
	jws, hdr, err := parse(token, v.joseAlgs)
	if err != nil {
		return nil, "", err
	}
	jwk := jws.Signatures[0].Protected.JSONWebKey
	if err := checkEmbedded(hdr, jwk, v.algs); err != nil {
		return nil, "", err
	}
	payload, err := jws.Verify(jwk.Key)
	if err != nil {
		return nil, "", ErrSignature
	}
	jkt, err := Thumbprint(jwk.Key)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrUnknownKey, err)
	}
	if len(protected) <= maxRememberedHeader {
		v.remember(protected, &embeddedHeader{sig: jws.Signatures[0], hdr: hdr, jwk: jwk, jkt: jkt})
	}
	return &Verified{Header: hdr, Payload: payload, Key: PublicKey{Algorithm: hdr.Algorithm, Key: jwk.Key}}, jkt, nil
}

// splitCompact returns the decoded payload and signature of a JWS in
// compact serialization (RFC 7515 §7.1), refusing what go-jose refuses.
func splitCompact(token string) (payload, sig []byte, err error) {
	_, rest, ok := strings.Cut(token, ".")
	payloadText, sigText, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(sigText, ".") {
		return nil, nil, fmt.Errorf("%w: not three parts", ErrMalformed)
	}
	if payload, err = base64.RawURLEncoding.DecodeString(payloadText); err != nil {
		return nil, nil, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	if sig, err = base64.RawURLEncoding.DecodeString(sigText); err != nil {
		return nil, nil, fmt.Errorf("%w: signature: %v", ErrMalformed, err)
	}
	return payload, sig, nil
}

// lookup returns the remembered header of base64url text h, or nil, and
// marks it recently used.
func (v *EmbeddedVerifier) lookup(h string) *embeddedHeader {
	v.mu.Lock()
	defer v.mu.Unlock()
	if e, ok := v.cur[h]; ok {
		return e
	}
	e, ok := v.old[h]
	if ok {
		v.storeLocked(strings.Clone(h), e)
	}
	return e
}

// remember keeps e as the header of base64url text h.
func (v *EmbeddedVerifier) remember(h string, e *embeddedHeader) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.storeLocked(strings.Clone(h), e)
}

// storeLocked puts e in the current generation; a full one becomes the
// old generation, and the old one is dropped. Each holds at most half the
// verifier's bound (with a bound of 1, there is no old generation).
func (v *EmbeddedVerifier) storeLocked(h string, e *embeddedHeader) {
	if len(v.cur) >= v.half {
		if v.bound > 1 {
			v.old = v.cur
		}
		v.cur = make(map[string]*embeddedHeader, v.half)
	}
	v.cur[h] = e
}
