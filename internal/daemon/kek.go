package daemon

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/grantry/grantry/keyset"
)

// kekEnv is the environment variable that holds the key-encryption key
// itself. It is no flag, so that the key never shows on a command line.
const kekEnv = "GRANTRY_KEY_ENCRYPTION_KEY"

// kekFlags say where the key-encryption key of the signing keys is: the
// key that seals them in the database, kept outside it.
type kekFlags struct {
	// file is --key-encryption-key-file.
	file string
	// env is the value of GRANTRY_KEY_ENCRYPTION_KEY, "" when unset.
	env string
}

func (f *kekFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.file, "key-encryption-key-file", "", "`file` holding the key that seals the signing keys in the database, 32 bytes base64url encoded, mode 0600 or stricter; or set "+kekEnv+" to the key itself. Default with SQLite: DB.kek, generated on first start; required with PostgreSQL")
}

// lookup reads GRANTRY_KEY_ENCRYPTION_KEY.
func (f *kekFlags) lookup(getenv getenv) { f.env, _ = getenv(kekEnv) }

// kek is a key-encryption key and where it came from, for messages.
type kek struct {
	key    []byte
	source string
}

// errNoKEK is returned with PostgreSQL when no key-encryption key is given.
var errNoKEK = errors.New("no key-encryption key for the signing keys: every process sharing the database must use the same one, so it cannot be generated; " +
	"generate one with `head -c 32 /dev/urandom | basenc --base64url -w0` and give it to every process in " + kekEnv + " or in a file named by --key-encryption-key-file (mode 0600)")

// resolve returns the key-encryption key the flags name, or: for a store
// of one process, a key that lives as long as the process; for a store
// with a file of its own (SQLite), the key kept next to it, generated on
// first start while the store holds no signing key; for any other store,
// errNoKEK.
func (f *kekFlags) resolve(ctx context.Context, b *backend) (*kek, error) {
	switch {
	case f.env != "" && f.file != "":
		return nil, fmt.Errorf("both %s and --key-encryption-key-file are set: give one", kekEnv)
	case f.env != "":
		k, err := decodeKEK(f.env)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kekEnv, err)
		}
		return &kek{k, "environment " + kekEnv}, nil
	case f.file != "":
		k, err := readKEKFile(f.file)
		return &kek{k, "file " + f.file}, err
	case b.kekFile != "":
		return localKEK(ctx, b)
	case !b.shared:
		k := make([]byte, keyset.SealingKeySize)
		_, _ = rand.Read(k)
		return &kek{k, "ephemeral"}, nil
	}
	return nil, errNoKEK
}

func decodeKEK(s string) ([]byte, error) {
	k, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(s), "="))
	if err != nil || len(k) != keyset.SealingKeySize {
		return nil, fmt.Errorf("the key-encryption key must be %d bytes, base64url encoded", keyset.SealingKeySize)
	}
	return k, nil
}

// readKEKFile reads a key-encryption key from a file that only its owner
// may read.
func readKEKFile(path string) ([]byte, error) {
	data, err := readPrivateFile(path, "key-encryption key")
	if err != nil {
		return nil, err
	}
	k, err := decodeKEK(string(data))
	if err != nil {
		return nil, fmt.Errorf("key-encryption key file %s: %w", path, err)
	}
	return k, nil
}

// readPrivateFile reads a file of secrets, what, that only its owner may
// read.
func readPrivateFile(path, what string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s file %s has mode %04o, which lets other users read it: run chmod 600 %s", what, path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return data, nil
}

// localKEK returns the key kept in b.kekFile, creating the file when it
// does not exist and the store holds no signing key yet. When keys exist
// but the file does not, a new key could not open them: that is an error.
func localKEK(ctx context.Context, b *backend) (*kek, error) {
	path := b.kekFile
	k, err := readKEKFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return &kek{k, "file " + path}, err
	}
	keys, err := b.keys.ListSigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(keys) > 0 {
		return nil, fmt.Errorf("the database holds signing keys, but their key-encryption key file %s is missing: restore it, or give the key in %s or --key-encryption-key-file", path, kekEnv)
	}
	k = make([]byte, keyset.SealingKeySize)
	_, _ = rand.Read(k)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return awaitKEKFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("creating the key-encryption key file: %w", err)
	}
	_, err = f.WriteString(base64.RawURLEncoding.EncodeToString(k) + "\n")
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("writing the key-encryption key file: %w", err)
	}
	return &kek{k, "file " + path + " (generated)"}, nil
}

// awaitKEKFile reads the key file another process has just created, giving
// it a moment to write the key.
func awaitKEKFile(path string) (*kek, error) {
	var err error
	for range 20 {
		var k []byte
		if k, err = readKEKFile(path); err == nil {
			return &kek{k, "file " + path}, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, err
}
