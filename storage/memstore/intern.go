package memstore

import (
	"encoding/binary"
	"strings"
)

// interner keeps one copy of each string the token records share, such as
// client IDs, subjects, grant types and scopes, and numbers them, so that a
// record holds a number instead of a pointer. Number 0 is the empty
// string. A string is dropped when the last record holding it is removed.
type interner struct {
	ids  map[string]uint32
	strs []string
	refs []uint32
	free []uint32
}

func newInterner() interner {
	return interner{ids: make(map[string]uint32), strs: []string{""}, refs: []uint32{0}}
}

// add returns the number of s, counting one more holder of it.
func (in *interner) add(s string) uint32 {
	if s == "" {
		return 0
	}
	if n, ok := in.ids[s]; ok {
		in.refs[n]++
		return n
	}
	return in.insert(strings.Clone(s))
}

// addBytes is add for a string held in b, which is copied only when new.
func (in *interner) addBytes(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	if n, ok := in.ids[string(b)]; ok {
		in.refs[n]++
		return n
	}
	return in.insert(string(b))
}

func (in *interner) insert(s string) uint32 {
	var n uint32
	if k := len(in.free); k > 0 {
		n, in.free = in.free[k-1], in.free[:k-1]
		in.strs[n], in.refs[n] = s, 1
	} else {
		n = uint32(len(in.strs))
		in.strs, in.refs = append(in.strs, s), append(in.refs, 1)
	}
	in.ids[s] = n
	return n
}

// release counts one holder of number n fewer.
func (in *interner) release(n uint32) {
	if n == 0 {
		return
	}
	if in.refs[n]--; in.refs[n] == 0 {
		delete(in.ids, in.strs[n])
		in.strs[n] = ""
		in.free = append(in.free, n)
	}
}

// find returns the number of s, if a record holds it.
func (in *interner) find(s string) (uint32, bool) {
	if s == "" {
		return 0, true
	}
	n, ok := in.ids[s]
	return n, ok
}

func (in *interner) str(n uint32) string { return in.strs[n] }

// appendList encodes a list of strings, appended to b, as bytes that tell
// nil from empty: nothing is nil, and a list is "l" then each element's
// length as a uvarint before it.
func appendList(b []byte, list []string) []byte {
	if list == nil {
		return b
	}
	b = append(b, 'l')
	for _, s := range list {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// decodeList is the inverse of appendList, with a new slice.
func decodeList(enc string) []string {
	if enc == "" {
		return nil
	}
	enc = enc[1:]
	list := []string{}
	for enc != "" {
		var n uint64
		for shift := 0; ; shift += 7 {
			c := enc[0]
			enc = enc[1:]
			n |= uint64(c&0x7f) << shift
			if c < 0x80 {
				break
			}
		}
		list = append(list, enc[:n])
		enc = enc[n:]
	}
	return list
}
