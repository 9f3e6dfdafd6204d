package keyset

import (
	"errors"
	"fmt"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
)

// SignJWTWithJWK signs claims as SignJWT does, but the protected header
// carries the public key itself as its jwk member (RFC 7515 §4.1.3) in
// place of a kid: a proof of possession such as a DPoP proof (RFC 9449
// §4.2) names the key it proves.
func (k *Key) SignJWTWithJWK(claims any, typ string) (string, error) {
	payload, err := encodeClaims(claims)
	if err != nil {
		return "", err
	}
	cacheKey := "jwk " + typ
	if s, ok := k.cache.Load(cacheKey); ok {
		return sign(s.(jose.Signer), payload)
	}
	opts := signerOptions(typ)
	opts.EmbedJWK = true
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.alg), Key: joseSigningKey(k.signer)}, opts)
	if err != nil {
		return "", fmt.Errorf("keyset: %w", err)
	}
	k.cache.Store(cacheKey, s)
	return sign(s, payload)
}

// VerifyEmbedded checks the signature of a JWS in compact serialization
// with the public key in its own jwk header (RFC 7515 §4.1.3), accepting
// only the asymmetric algorithms in algs, as a DPoP proof is checked
// (RFC 9449 §4.3). The key proves only that the signer holds it: the
// caller decides what the key may do, by its thumbprint. A jwk holding a
// private or symmetric key, a key that does not fit the algorithm, an RSA
// key under 2048 bits and a crit header are refused.
func VerifyEmbedded(token string, algs []Algorithm) (*Verified, error) {
	jws, hdr, err := parse(token, joseAlgorithms(algs, false))
	if err != nil {
		return nil, err
	}
	jwk := jws.Signatures[0].Protected.JSONWebKey
	if err := checkEmbedded(hdr, jwk, algs); err != nil {
		return nil, err
	}
	payload, err := jws.Verify(jwk.Key)
	if err != nil {
		return nil, ErrSignature
	}
	return &Verified{Header: hdr, Payload: payload, Key: PublicKey{Algorithm: hdr.Algorithm, Key: jwk.Key}}, nil
}

// checkEmbedded checks the algorithm and the jwk of a JWS verified by its
// own key: an allowed asymmetric algorithm, and a public key of a type and
// size this package verifies with that fits the algorithm.
func checkEmbedded(hdr Header, jwk *jose.JSONWebKey, algs []Algorithm) error {
	switch {
	case !hdr.Algorithm.Supported() || hdr.Algorithm.Symmetric() || !slices.Contains(algs, hdr.Algorithm):
		return fmt.Errorf("%w: %q", ErrAlgorithm, hdr.Algorithm)
	case jwk == nil:
		return fmt.Errorf("%w: no jwk header", ErrUnknownKey)
	case !jwk.IsPublic():
		return fmt.Errorf("%w: the jwk header holds a private or symmetric key", ErrMalformed)
	case !hdr.Algorithm.Fits(jwk.Key):
		return fmt.Errorf("%w: the jwk header does not fit %s", ErrUnknownKey, hdr.Algorithm)
	}
	if err := checkPublicKey(jwk.Key); err != nil {
		return errors.Join(ErrUnknownKey, err)
	}
	return nil
}
