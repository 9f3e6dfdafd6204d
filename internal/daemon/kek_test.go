package daemon

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// writeKEKFile writes data to a new file of the given mode.
func writeKEKFile(t *testing.T, data string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kek")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKEKResolve(t *testing.T) {
	fixed := make([]byte, 32)
	fixed[0] = 7
	enc := base64.RawURLEncoding.EncodeToString(fixed)
	memory := func(*testing.T) *backend { return memoryBackend(memstore.New()) }
	shared := func(*testing.T) *backend { b := memoryBackend(memstore.New()); b.shared = true; return b }
	tests := []struct {
		name       string
		env        string
		file       func(t *testing.T) string
		backend    func(t *testing.T) *backend
		wantKey    []byte // nil: any 32 bytes
		wantSource string
		wantErr    string
	}{
		{"Env", enc, nil, shared, fixed, "environment", ""},
		{"EnvPadded", enc + "=\n", nil, shared, fixed, "environment", ""},
		{"EnvShort", enc[:20], nil, shared, nil, "", "must be 32 bytes"},
		{"EnvStdBase64", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32)), nil, shared, nil, "", "base64url"},
		{"EnvAndFile", enc, func(t *testing.T) string { return writeKEKFile(t, enc, 0o600) }, shared, nil, "", "give one"},
		{"File0600", "", func(t *testing.T) string { return writeKEKFile(t, enc+"\n", 0o600) }, shared, fixed, "file ", ""},
		{"File0400", "", func(t *testing.T) string { return writeKEKFile(t, enc, 0o400) }, shared, fixed, "file ", ""},
		{"File0640", "", func(t *testing.T) string { return writeKEKFile(t, enc, 0o640) }, shared, nil, "", "chmod 600"},
		{"File0604", "", func(t *testing.T) string { return writeKEKFile(t, enc, 0o604) }, shared, nil, "", "lets other users read it"},
		{"FileMalformed", "", func(t *testing.T) string { return writeKEKFile(t, "not a key", 0o600) }, shared, nil, "", "must be 32 bytes"},
		{"FileMissing", "", func(t *testing.T) string { return filepath.Join(t.TempDir(), "none") }, shared, nil, "", "no such file"},
		{"MemoryEphemeral", "", nil, memory, nil, "ephemeral", ""},
		{"SharedWithoutKey", "", nil, shared, nil, "", "GRANTRY_KEY_ENCRYPTION_KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &kekFlags{env: tt.env}
			if tt.file != nil {
				f.file = tt.file(t)
			}
			k, err := f.resolve(t.Context(), tt.backend(t))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if len(k.key) != 32 || (tt.wantKey != nil && !bytes.Equal(k.key, tt.wantKey)) {
				t.Errorf("got key %x, want %x", k.key, tt.wantKey)
			}
			if !strings.HasPrefix(k.source, tt.wantSource) {
				t.Errorf("got source %q, want it to begin with %q", k.source, tt.wantSource)
			}
		})
	}
}

// TestKEKGeneratedNextToSQLite checks the key generated next to the
// database: created once, private, and reused.
func TestKEKGeneratedNextToSQLite(t *testing.T) {
	b := memoryBackend(memstore.New())
	b.shared, b.kekFile = true, filepath.Join(t.TempDir(), "grantry.db.kek")
	var f kekFlags
	first, err := f.resolve(t.Context(), b)
	if err != nil {
		t.Fatalf("first resolve: got error %v, want nil", err)
	}
	fi, err := os.Stat(b.kekFile)
	if err != nil {
		t.Fatalf("the key file was not created: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("key file mode: got %04o, want 0600", got)
	}
	again, err := f.resolve(t.Context(), b)
	if err != nil || !bytes.Equal(again.key, first.key) {
		t.Errorf("second resolve: got %x, %v, want the generated key %x", again.key, err, first.key)
	}
	data, _ := os.ReadFile(b.kekFile)
	if k, err := decodeKEK(string(data)); err != nil || !bytes.Equal(k, first.key) {
		t.Errorf("key file holds %q (%v), want the generated key", data, err)
	}
}

// TestKEKFileMissingWithKeys: a store that holds keys gets no new key
// file, which could not open them.
func TestKEKFileMissingWithKeys(t *testing.T) {
	s := memstore.New()
	b := memoryBackend(s)
	b.shared, b.kekFile = true, filepath.Join(t.TempDir(), "grantry.db.kek")
	now := time.Now()
	if err := s.CreateSigningKey(t.Context(), &storage.SigningKey{ID: "k", Algorithm: "ES256", Ciphertext: []byte{1}, CreatedAt: now, ActivateAt: now}); err != nil {
		t.Fatal(err)
	}
	var f kekFlags
	if _, err := f.resolve(t.Context(), b); err == nil || !strings.Contains(err.Error(), "is missing") {
		t.Errorf("got error %v, want one saying the key file is missing", err)
	}
	if _, err := os.Stat(b.kekFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("key file: got %v, want none created", err)
	}
}

// TestSQLiteKeysSurviveRestart starts the server twice on one SQLite
// file: the second start loads the keys of the first with the generated
// key-encryption key.
func TestSQLiteKeysSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grantry.db")
	var kids []string
	for range 2 {
		b, err := openBackend(t.Context(), path, "")
		if err != nil {
			t.Fatalf("openBackend: %v", err)
		}
		cfg := testConfig(t, func(c *serveConfig) { c.db, c.Issuer = path, "http://127.0.0.1:1" })
		a, err := newApp(t.Context(), cfg, b, slog.New(slog.DiscardHandler))
		_ = b.close()
		if err != nil {
			t.Fatalf("newApp: %v", err)
		}
		kids = append(kids, a.signingKeys().Active().ID())
	}
	if kids[0] != kids[1] {
		t.Errorf("active key after restart: got %s, want %s", kids[1], kids[0])
	}
	if _, err := os.Stat(path + ".kek"); err != nil {
		t.Errorf("key-encryption key file: %v", err)
	}
}

// TestAwaitKEKFile reads a key file that another process has created but
// not written yet.
func TestAwaitKEKFile(t *testing.T) {
	path := writeKEKFile(t, "", 0o600)
	written := make(chan error, 1)
	go func() { written <- os.WriteFile(path, []byte(testKEK+"\n"), 0o600) }()
	k, err := awaitKEKFile(path)
	if werr := <-written; werr != nil {
		t.Fatal(werr)
	}
	want, _ := decodeKEK(testKEK)
	if err != nil || !bytes.Equal(k.key, want) {
		t.Errorf("awaitKEKFile: got %v, %v, want the key written", k, err)
	}
}
