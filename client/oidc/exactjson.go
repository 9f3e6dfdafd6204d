package oidc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

var errNotObject = errors.New("not a JSON object")

// decodeObject returns the members of the JSON object data by exact name.
// It fails unless data is one JSON object with no member name given twice.
//
// JSON member names compare code point by code point (RFC 8259 §8.3), and
// JWT claims (RFC 7519 §7.3) and provider metadata rely on it.
// encoding/json instead matches struct fields without regard to case, and
// even folds "ſ" (U+017F) to "s" and the Kelvin sign (U+212A) to "k", so
// "ISS" would be taken for "iss". A name given twice is rejected, as RFC
// 7519 §4 allows: no two parsers can then disagree on which value counts.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errNotObject
	}
	members := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errNotObject
		}
		name, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, errNotObject
		}
		if _, dup := members[name]; dup {
			return nil, fmt.Errorf("member %q given twice", name)
		}
		members[name] = value
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, errNotObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errNotObject
	}
	return members, nil
}

// decodeExact decodes the JSON object data into the struct v points to, as
// decodeObject and decodeFields do.
func decodeExact(data []byte, v any) error {
	members, err := decodeObject(data)
	if err != nil {
		return err
	}
	return decodeFields(members, v)
}

// decodeFields stores members into the struct v points to. Each exported
// field whose json tag gives a name takes the member of exactly that name,
// decoded by encoding/json; fields without a tag name and members without
// a field are left alone. Names inside the members' values are not
// checked: use decodeFields only for fields with no member names to fold.
func decodeFields(members map[string]json.RawMessage, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("oidc: %T is not a pointer to a struct", v)
	}
	s := rv.Elem()
	for i := range s.NumField() {
		f := s.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		raw, ok := members[name]
		if !ok || name == "" || name == "-" || !f.IsExported() {
			continue
		}
		if err := json.Unmarshal(raw, s.Field(i).Addr().Interface()); err != nil {
			return fmt.Errorf("member %q: %w", name, err)
		}
	}
	return nil
}
