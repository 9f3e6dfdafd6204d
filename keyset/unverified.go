package keyset

// Unverified is a JWS whose signature has not been checked. Its header and
// payload only tell a verifier which keys to verify it with, such as the
// client a client assertion claims to come from; nothing in them may be
// trusted until Verify or VerifyWithSecret accepts the token.
type Unverified struct {
	Header  Header
	Payload []byte
}

// ParseUnverified parses a JWS in compact serialization without checking
// its signature. It refuses what Verify and VerifyWithSecret would refuse
// before looking at a key: a malformed or oversized token, a crit header,
// and an algorithm this package does not support, such as "none".
func ParseUnverified(token string) (*Unverified, error) {
	algs := append(joseAlgorithms(AsymmetricAlgorithms(), false), joseAlgorithms(hmacAlgorithms, true)...)
	jws, hdr, err := parse(token, algs)
	if err != nil {
		return nil, err
	}
	return &Unverified{Header: hdr, Payload: jws.UnsafePayloadWithoutVerification()}, nil
}

// hmacAlgorithms are the symmetric algorithms this package supports.
var hmacAlgorithms = []Algorithm{HS256, HS384, HS512}
