package openid

import "github.com/grantry/grantry/keyset"

// signerFor returns the key of set that signs with alg.
func signerFor(set *keyset.Set, alg keyset.Algorithm) (*keyset.Key, bool) {
	if k := set.Active(); k != nil && k.Algorithm() == alg {
		return k, true
	}
	return nil, false
}
