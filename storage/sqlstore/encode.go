package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/grantry/grantry"
)

// Times are stored as microseconds since the Unix epoch, the precision
// both databases keep, in integer columns that compare and index alike in
// both dialects.

// zeroMicros is the zero time.Time in microseconds.
var zeroMicros = time.Time{}.UnixMicro()

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time {
	if v == zeroMicros {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// nullMicros stores the zero time as NULL, for the columns where NULL
// means "not yet" or "never".
func nullMicros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromNullMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicros(v.Int64)
}

// encodeScope stores a scope as its wire form (RFC 6749 §3.3): tokens
// separated by single spaces. A token that is empty or holds a space
// could not be read back, and is refused.
func encodeScope(sc grantry.Scope) (string, error) {
	for _, tok := range sc {
		if tok == "" || strings.ContainsAny(tok, " ") {
			return "", fmt.Errorf("sqlstore: scope token %q cannot be stored", tok)
		}
	}
	return strings.Join(sc, " "), nil
}

func decodeScope(s string) grantry.Scope {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// encodeList stores a list of strings, such as redirect URIs, as a JSON
// array.
func encodeList[S ~[]E, E ~string](list S) (string, error) {
	if len(list) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(list)
	return string(b), err
}

func decodeList[E ~string](s string) ([]E, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var list []E
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("sqlstore: malformed list %q: %w", s, err)
	}
	return list, nil
}

// encodeExtra stores extension values as a JSON object, or NULL when there
// are none.
func encodeExtra(m map[string]string) (sql.NullString, error) {
	if len(m) == 0 {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(m)
	return sql.NullString{String: string(b), Valid: true}, err
}

func decodeExtra(v sql.NullString) (map[string]string, error) {
	if !v.Valid || v.String == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(v.String), &m); err != nil {
		return nil, fmt.Errorf("sqlstore: malformed extra values: %w", err)
	}
	return m, nil
}

// nullString stores the empty string as NULL, for the optional unique
// keys: two NULLs never collide.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
