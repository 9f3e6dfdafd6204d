package daemon

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// envPrefix starts the environment variable of every flag: --session-key
// is GRANTRY_SESSION_KEY.
const envPrefix = "GRANTRY_"

// defaultDB is the DSN used when none is given: an SQLite file in the
// working directory.
const defaultDB = "grantry.db"

// envName returns the environment variable that sets a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// commonFlags are taken by every subcommand.
type commonFlags struct {
	db        string
	config    string
	logFormat string
	logLevel  string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.db, "db", defaultDB, "storage DSN: an SQLite file path (or sqlite:PATH), a postgres:// URL, or memory: for a store that lives as long as the process")
	fs.StringVar(&c.config, "config", "", "JSON file of settings, keyed by flag name (e.g. {\"addr\": \"127.0.0.1:9000\"})")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn or error")
}

// getenv looks up an environment variable.
type getenv func(name string) (string, bool)

// parseArgs parses flags mixed with positional arguments, then fills every
// flag not given on the command line from its GRANTRY_ environment variable
// or, failing that, from the config file, except the commandLineOnly ones.
// Flags win over the environment, which wins over the file. It returns the
// positional arguments.
func parseArgs(fs *flag.FlagSet, args []string, env getenv) ([]string, error) {
	pos, _, err := parseSettings(fs, args, env)
	return pos, err
}

// parseSettings is parseArgs, and also returns warnings about the
// command line: a flag given there that holds a password (see
// dsnPassword). A flag that holds a secret (secretFlags) is refused
// there; the environment, the config file or a file flag gives it.
func parseSettings(fs *flag.FlagSet, args []string, env getenv) ([]string, []string, error) {
	pos, err := parseCommandLine(fs, args)
	if err != nil {
		return nil, nil, err
	}
	var warnings []string
	var errs []error
	fs.Visit(func(f *flag.Flag) { // the flags given on the command line only, before applyDefaults
		if how, ok := secretFlags[f.Name]; ok {
			errs = append(errs, fmt.Errorf("--%s holds a secret, which other local users could read on the command line (ps, /proc): %s", f.Name, how))
		}
		if passwordFlags[f.Name] && dsnPassword(f.Value.String()) {
			warnings = append(warnings, fmt.Sprintf("--%s holds a password, which other local users can read on the command line (ps, /proc): give it in %s or the config file instead", f.Name, envName(f.Name)))
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	return pos, warnings, applyDefaults(fs, env)
}

// secretFlags hold secrets, refused on the command line, and say where to
// give them instead.
var secretFlags = map[string]string{
	"session-key":   "set " + envName("session-key") + ", or name a file with --session-key-file",
	"client-secret": "set " + envName("client-secret"),
}

// passwordFlags hold DSNs, which may hold a password.
var passwordFlags = map[string]bool{"db": true, "redis": true}

// dsnPassword reports whether a DSN holds a password: in the user
// information or the query of a URL (postgres://u:p@h/db, redis://:p@h,
// ?password=), or as a keyword (host=h password=p).
func dsnPassword(dsn string) bool {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if _, ok := u.User.Password(); ok {
			return true
		}
		for k := range u.Query() {
			if strings.Contains(strings.ToLower(k), "password") {
				return true
			}
		}
		return false
	}
	return strings.Contains(strings.ToLower(dsn), "password=")
}

// parseCommandLine parses flags mixed with positional arguments, and
// returns the positional ones.
func parseCommandLine(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage // the flag package printed why
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return pos, nil
}

// commandLineOnly is implemented by the values of flags that describe one
// record, such as the claims of a user: they are read from the command
// line only, since a value from the environment or the config file would
// be given to every record.
type commandLineOnly interface{ commandLineOnly() }

func applyDefaults(fs *flag.FlagSet, env getenv) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	file, err := loadConfigFile(fs, env)
	if err != nil {
		return err
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if _, ok := f.Value.(commandLineOnly); ok || given[f.Name] || f.Name == "config" {
			return
		}
		v, ok := env(envName(f.Name))
		src := envName(f.Name)
		if !ok {
			v, ok = file[f.Name]
			src = "config file key " + f.Name
		}
		if ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", src, err))
			}
		}
	})
	return errors.Join(errs...)
}

// loadConfigFile reads the file named by --config or GRANTRY_CONFIG: a JSON
// object whose keys are flag names and whose values are strings, numbers,
// booleans or lists of strings.
func loadConfigFile(fs *flag.FlagSet, env getenv) (map[string]string, error) {
	path := ""
	if f := fs.Lookup("config"); f != nil {
		path = f.Value.String()
	}
	if path == "" {
		path, _ = env(envName("config"))
	}
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	return parseConfig(data)
}

func parseConfig(data []byte) (map[string]string, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if !knownSetting[k] {
			return nil, fmt.Errorf("config file: unknown setting %q", k)
		}
		s, err := configValue(v)
		if err != nil {
			return nil, fmt.Errorf("config file: %s: %w", k, err)
		}
		out[k] = s
	}
	return out, nil
}

func configValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool, float64:
		return fmt.Sprint(v), nil
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", errors.New("a list may hold only strings")
			}
			parts[i] = s
		}
		return strings.Join(parts, ","), nil
	}
	return "", errors.New("the value must be a string, number, boolean or list of strings")
}

// knownSetting lists every flag of every subcommand, so that a misspelt key
// in the config file is an error rather than ignored.
// TestConfigFileKnowsEveryFlag keeps it complete.
var knownSetting = map[string]bool{
	"db": true, "log-format": true, "log-level": true, "json": true,
	"addr": true, "issuer": true, "redis": true, "grants": true, "scopes": true,
	"insecure-dev": true, "session-key": true, "session-key-file": true, "session-lifetime": true,
	"tls-cert": true, "tls-key": true, "shutdown-timeout": true, "drain-delay": true,
	"purge-interval": true, "require-pkce": true, "allow-pkce-plain": true,
	"introspectors": true, "refresh-lifetime": true, "access-token-lifetime": true, "access-token-format": true, "token-exchange-policy": true, "admin-addr": true, "pprof": true, "refresh-absolute": true,
	"refresh-grace": true, "dpop": true, "dpop-nonce": true, "require-dpop-public": true,
	"par": true, "require-par": true, "device-code-lifetime": true, "device-poll-interval": true, "par-lifetime": true, "request-objects": true,
	"require-signed-request-object": true, "request-object-alg": true, "jwks-uri": true, "jwks-file": true,
	"id": true, "name": true, "redirect-uri": true, "auth-method": true, "public": true,
	"url": true, "client-id": true, "client-secret": true, "concurrency": true,
	"requests": true, "duration": true, "scope": true, "flow": true, "username": true, "key-encryption-key-file": true,
	"id-token-alg": true, "subject-type": true, "sector-identifier-uri": true,
	"post-logout-redirect-uri": true, "backchannel-logout-uri": true,
	"backchannel-logout-session-required": true,
	"user":                                true, "signing-algs": true, "grace": true, "registration": true, "description": true, "expires-in": true,
	"jwt-bearer-issuers":      true,
	"token-endpoint-auth-alg": true,
}

// listFlag is a flag that may be repeated or given as a comma-separated
// list. The first value given replaces the default.
type listFlag struct {
	vals []string
	set  bool
}

func newList(def ...string) *listFlag { return &listFlag{vals: def} }

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.vals, ",")
}

func (l *listFlag) Set(v string) error {
	if !l.set {
		l.vals, l.set = nil, true
	}
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			l.vals = append(l.vals, p)
		}
	}
	return nil
}
