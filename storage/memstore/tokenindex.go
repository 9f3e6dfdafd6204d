package memstore

import (
	"crypto/sha256"
	"encoding/base64"
	"math"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// The tokens are kept in records without pointers, so that the garbage
// collector never scans them however many there are, and in maps whose
// keys and values hold no pointers either. An ID made by secret.ID or
// secret.OrderedID (22 base64url characters) is kept as the 132 bits of
// its characters, a digest made by secret.Digest as its 32 bytes (with a
// flag when the token's own ID stands in front of it, as for the tokens of
// secret.TokenWithID), times as Unix nanoseconds, and the strings many
// tokens share (client ID, subject, grant type, scope) as numbers of an
// interner. A token with
// fields most tokens lack (resources, a distinct refresh scope, extra
// values, a DPoP binding, a grace-period successor), or with an ID, hash or
// time that does not fit that form, keeps a full copy beside its record.

// idKey is the key of a token or family ID: the 132 bits of the 22
// base64url characters of an ID made by secret.ID or secret.OrderedID,
// from the first bit on, which leaves the last 4 bits 0. Any other ID is
// keyed by a SHA-256 of it whose last 4 bits are 1, so that it can be the
// key of no 22-character ID.
type idKey [17]byte

// idChars is the length of the IDs idKey holds.
const idChars = 22

// idPad makes a 22-character ID the 24 characters of 18 whole bytes.
const idPad = "AA"

// idKeyOf returns the key of ID s, and whether it holds s (see idKey).
func idKeyOf(s string) (k idKey, canonical bool) {
	if len(s) == idChars {
		var src [idChars + len(idPad)]byte
		copy(src[copy(src[:], s):], idPad)
		var dst [len(k) + 1]byte
		// The decoder skips CR and LF: all 24 characters were read only
		// if they made 18 bytes.
		if n, err := base64.RawURLEncoding.Decode(dst[:], src[:]); err == nil && n == len(dst) {
			copy(k[:], dst[:])
			return k, true
		}
	}
	h := sha256.New()
	h.Write([]byte("memstore odd ID\x00"))
	h.Write([]byte(s))
	var sum [sha256.Size]byte
	copy(k[:], h.Sum(sum[:0]))
	k[len(k)-1] |= 0x0f
	return k, false
}

// idString returns the ID whose key is k, which idKeyOf made from a
// 22-character ID.
func idString(k *idKey) string {
	var out [idChars]byte
	putID(&out, k)
	return string(out[:])
}

// putID writes to out the ID whose key is k (see idString).
func putID(out *[idChars]byte, k *idKey) {
	var src [len(k) + 1]byte
	copy(src[:], k[:])
	var enc [idChars + len(idPad)]byte
	base64.RawURLEncoding.Encode(enc[:], src[:])
	copy(out[:], enc[:])
}

// digestKey is the key of an access or refresh token digest.
type digestKey [sha256.Size]byte

var strictB64 = base64.RawURLEncoding.Strict()

// keyOf sets k to the bytes s encodes in unpadded base64url when s is the
// canonical encoding of exactly len(k) bytes, and reports true. Otherwise
// k is a SHA-256 of s under a prefix that no canonical encoding yields:
// two different strings get the same key only through a hash collision.
func keyOf(k []byte, s string) (canonical bool) {
	if len(s) == base64.RawURLEncoding.EncodedLen(len(k)) && len(s) <= 64 {
		var src [64]byte
		n := copy(src[:], s)
		if m, err := strictB64.Decode(k, src[:n]); err == nil && m == len(k) {
			return true
		}
	}
	h := sha256.New()
	h.Write([]byte("memstore odd key\x00"))
	h.Write([]byte(s))
	var sum [sha256.Size]byte
	copy(k, h.Sum(sum[:0]))
	return false
}

// digestChars is the length of a digest made by secret.Digest without an
// ID in front.
const digestChars = 43

// hashKey is what the key of an access or refresh hash is made of.
type hashKey struct {
	digest digestKey
	// withID is set for a hash of the ID, a dot and a digest, which is
	// keyed by its digest, and id is the key of that ID.
	withID    bool
	id        idKey
	canonical bool
}

// hashKeyOf returns the key of hash s. A hash that secret.Digest made for
// a token of secret.TokenWithID (the ID, a dot and a digest) is keyed by
// its digest (see keyOf), with the ID kept beside it; any other hash is
// keyed by keyOf. A plain digest d and "ID.d" therefore share a map key
// (digests of two different tokens are equal only by a SHA-256 collision),
// so a lookup checks with holdsAccess or holdsRefresh that the record
// found has the form asked for.
func hashKeyOf(s string) hashKey {
	var k hashKey
	if len(s) == idChars+1+digestChars && s[idChars] == '.' {
		var okID bool
		k.id, okID = idKeyOf(s[:idChars])
		if keyOf(k.digest[:], s[idChars+1:]) && okID {
			k.withID, k.canonical = true, true
			return k
		}
		k.id = idKey{}
	}
	k.canonical = keyOf(k.digest[:], s)
	return k
}

// hashString returns the hash whose key is digest, with the ID of key id
// in front when withID is set.
func hashString(digest *digestKey, withID bool, id *idKey) string {
	var out [idChars + 1 + digestChars]byte
	n := 0
	if withID {
		putID((*[idChars]byte)(out[:idChars]), id)
		out[idChars] = '.'
		n = idChars + 1
	}
	strictB64.Encode(out[n:], digest[:])
	return string(out[:n+digestChars])
}

// Flags of a token record.
const (
	recLive uint16 = 1 << iota
	recRevoked
	recFamily  // FamilyID is not empty
	recRefresh // RefreshHash is not empty
	recFull    // a full copy is kept in tokenIndex.full
	recListed  // in its family's list (see tokenIndex.link)
	// recAccessID and recRefreshID: the hash keeps the token's ID in front.
	recAccessID
	recRefreshID
)

// tokenRec is a stored token, or a free slot.
type tokenRec struct {
	id, family      idKey
	access, refresh digestKey
	// issued, expires and refreshExpires are Unix nanoseconds, 0 for the
	// zero time.
	issued, expires, refreshExpires int64
	// Interned strings.
	client, subject, grantType, scope uint32
	// famPrev and famNext link the tokens of a family; 0 ends the list.
	famPrev, famNext uint32
	flags            uint16
}

func (r *tokenRec) has(f uint16) bool { return r.flags&f != 0 }

// packTime returns t as Unix nanoseconds, 0 for the zero time, and false
// when that would not give back t.
func packTime(t time.Time) (int64, bool) {
	if t.IsZero() {
		return 0, true
	}
	// UnixNano is exact from 1678 to 2262.
	if sec := t.Unix(); sec <= math.MinInt64/int64(time.Second) || sec >= math.MaxInt64/int64(time.Second) {
		return 0, false
	}
	n := t.UnixNano()
	return n, n != 0
}

func unpackTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

const chunkBits = 10

// slab holds the records in chunks, which are never moved: growing the
// store allocates a chunk, never copies the records. Slot 0 is unused.
type slab struct {
	chunks [][]tokenRec
	next   uint32   // the next slot never used
	free   []uint32 // slots freed
}

func (s *slab) at(i uint32) *tokenRec {
	return &s.chunks[i>>chunkBits][i&(1<<chunkBits-1)]
}

func (s *slab) alloc() uint32 {
	if k := len(s.free); k > 0 {
		i := s.free[k-1]
		s.free = s.free[:k-1]
		return i
	}
	if s.next == 0 {
		s.next = 1
	}
	i := s.next
	s.next++
	if int(i>>chunkBits) == len(s.chunks) {
		s.chunks = append(s.chunks, make([]tokenRec, 1<<chunkBits))
	}
	return i
}

func (s *slab) release(i uint32) {
	*s.at(i) = tokenRec{}
	s.free = append(s.free, i)
}

// all calls f with every live record.
func (s *slab) all(f func(i uint32, r *tokenRec)) {
	for i := uint32(1); i < s.next; i++ {
		if r := s.at(i); r.has(recLive) {
			f(i, r)
		}
	}
}

// needsFull reports whether t has fields that its record cannot hold.
func needsFull(t *storage.Token) bool {
	return t.RefreshScope != nil || t.Resource != nil || t.RefreshResource != nil ||
		t.Extra != nil || t.JKT != "" || t.Successor != "" || t.SealedSuccessor != "" ||
		!t.GraceUntil.IsZero()
}

// tokenKeys are the keys of a token, and whether they are all canonical.
type tokenKeys struct {
	id, family            idKey
	access, refresh       hashKey
	hasFamily, hasRefresh bool
	canonical             bool
}

func keysOf(t *storage.Token) tokenKeys {
	var k tokenKeys
	// Every key is made: none may be skipped once one is found odd.
	var okID bool
	k.id, okID = idKeyOf(t.ID)
	k.access = hashKeyOf(t.AccessHash)
	k.canonical = okID && k.access.fits(&k.id)
	if k.hasFamily = t.FamilyID != ""; k.hasFamily {
		var ok bool
		k.family, ok = idKeyOf(t.FamilyID)
		k.canonical = ok && k.canonical
	}
	if k.hasRefresh = t.RefreshHash != ""; k.hasRefresh {
		k.refresh = hashKeyOf(t.RefreshHash)
		k.canonical = k.refresh.fits(&k.id) && k.canonical
	}
	return k
}

// fits reports whether a record of ID key id holds the hash of k: it is
// canonical, and an ID in front of it is the token's own.
func (k *hashKey) fits(id *idKey) bool {
	return k.canonical && (!k.withID || k.id == *id)
}

// record fills r from t, of keys k, interning its strings, and reports
// whether r holds all of t.
func (x *tokenIndex) record(r *tokenRec, t *storage.Token, k *tokenKeys) bool {
	full := needsFull(t)
	r.id, r.access, r.family, r.refresh = k.id, k.access.digest, k.family, k.refresh.digest
	if k.hasFamily {
		r.flags |= recFamily
	}
	if k.access.withID {
		r.flags |= recAccessID
	}
	if k.hasRefresh {
		r.flags |= recRefresh
		if k.refresh.withID {
			r.flags |= recRefreshID
		}
	}
	ok := k.canonical
	var okI, okE, okR bool
	r.issued, okI = packTime(t.IssuedAt)
	r.expires, okE = packTime(t.ExpiresAt)
	r.refreshExpires, okR = packTime(t.RefreshExpiresAt)
	r.client = x.strs.add(t.ClientID)
	r.subject = x.strs.add(t.Subject)
	r.grantType = x.strs.add(string(t.GrantType))
	var buf [128]byte
	r.scope = x.strs.addBytes(appendList(buf[:0], t.Scope))
	r.flags |= recLive
	if t.Revoked {
		r.flags |= recRevoked
	}
	return ok && okI && okE && okR && !full
}

// token returns a new copy of the token of record i.
func (x *tokenIndex) token(i uint32) *storage.Token {
	r := x.recs.at(i)
	if r.has(recFull) {
		t := cloneToken(x.full[i])
		t.Revoked = r.has(recRevoked)
		return t
	}
	t := &storage.Token{
		ID:               idString(&r.id),
		ClientID:         x.strs.str(r.client),
		Subject:          x.strs.str(r.subject),
		GrantType:        grantry.GrantType(x.strs.str(r.grantType)),
		Scope:            decodeList(x.strs.str(r.scope)),
		AccessHash:       hashString(&r.access, r.has(recAccessID), &r.id),
		IssuedAt:         unpackTime(r.issued),
		ExpiresAt:        unpackTime(r.expires),
		RefreshExpiresAt: unpackTime(r.refreshExpires),
		Revoked:          r.has(recRevoked),
	}
	switch {
	case !r.has(recFamily):
	case r.family == r.id:
		t.FamilyID = t.ID
	default:
		t.FamilyID = idString(&r.family)
	}
	if r.has(recRefresh) {
		t.RefreshHash = hashString(&r.refresh, r.has(recRefreshID), &r.id)
	}
	return t
}

// holdsAccess reports whether the token of slot i, found under the key
// of k, has that access hash: the keys of a plain digest and of an ID
// with that digest are one.
func (x *tokenIndex) holdsAccess(i uint32, hash string, k *hashKey) bool {
	if r := x.recs.at(i); !r.has(recFull) {
		return r.has(recAccessID) == k.withID && (!k.withID || r.id == k.id)
	}
	return x.full[i].AccessHash == hash
}

// holdsRefresh is holdsAccess for a refresh hash.
func (x *tokenIndex) holdsRefresh(i uint32, hash string, k *hashKey) bool {
	if r := x.recs.at(i); !r.has(recFull) {
		return r.has(recRefreshID) == k.withID && (!k.withID || r.id == k.id)
	}
	return x.full[i].RefreshHash == hash
}

// tokenView is what the store reads of a record to choose it.
type tokenView struct {
	subject, clientID string
}

func (x *tokenIndex) view(i uint32) tokenView {
	r := x.recs.at(i)
	return tokenView{subject: x.strs.str(r.subject), clientID: x.strs.str(r.client)}
}

// familyID returns the FamilyID of the token of slot i.
func (x *tokenIndex) familyID(i uint32) string {
	r := x.recs.at(i)
	switch {
	case r.has(recFull):
		return x.full[i].FamilyID
	case r.has(recFamily):
		return idString(&r.family)
	}
	return ""
}

// expired reports whether neither the access token nor the refresh token
// of record r can be used at or after before, in Unix nanoseconds.
func (r *tokenRec) expired(before int64) bool {
	if r.expires >= before {
		return false
	}
	if !r.has(recRefresh) {
		return true
	}
	return r.refreshExpires != 0 && r.refreshExpires < before
}
