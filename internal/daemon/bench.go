package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type benchFlags struct {
	commonFlags
	url, clientID, clientSecret, scope string
	flow, redirectURI                  string
	username, password                 string
	concurrency, requests              int
	duration                           time.Duration
}

// Flows grantry bench drives.
const (
	benchClientCredentials = "client_credentials"
	benchCode              = "code"
)

// benchPasswordEnv holds the password of the user the code flow signs
// in; it is never a flag, so that other local users cannot read it.
const benchPasswordEnv = "GRANTRY_BENCH_PASSWORD"

// cmdBench drives a running server with client credentials requests, or
// with authorization-code flows, and prints the throughput and latency
// percentiles. It stops after --requests requests (or flows) or
// --duration, whichever is first.
func cmdBench(ctx context.Context, env *environment, args []string) error {
	var f benchFlags
	fs := env.flagSet("bench", "", "Load-test a running server with client_credentials requests or authorization-code flows.")
	f.commonFlags.register(fs)
	fs.StringVar(&f.url, "url", "http://127.0.0.1:8080/token", "token endpoint URL")
	fs.StringVar(&f.flow, "flow", benchClientCredentials, "what to measure: client_credentials (one token request) or code (GET /authorize with a signed-in user and remembered consent, then POST /token)")
	fs.StringVar(&f.clientID, "client-id", "", "client_id of a confidential client allowed the flow")
	fs.StringVar(&f.clientSecret, "client-secret", "", "its secret, from GRANTRY_CLIENT_SECRET or the config file only, never the command line")
	fs.StringVar(&f.scope, "scope", "", "scope to request; with openid the code flow also makes an ID token")
	fs.StringVar(&f.redirectURI, "redirect-uri", "", "code flow: a redirect URI registered for the client (nothing needs to listen there)")
	fs.StringVar(&f.username, "username", "", "code flow: the user to sign in as, whose password is in "+benchPasswordEnv)
	fs.IntVar(&f.concurrency, "concurrency", 16, "requests in flight at once")
	fs.IntVar(&f.requests, "requests", 20000, "requests to send at most")
	fs.DurationVar(&f.duration, "duration", 30*time.Second, "how long to run at most")
	pos, err := env.parse(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, 0); err != nil {
		return err
	}
	if f.clientID == "" || f.clientSecret == "" || f.concurrency < 1 || f.requests < 1 || f.duration <= 0 {
		return errors.New("bench needs --client-id, --client-secret, and positive --concurrency, --requests and --duration")
	}
	switch f.flow {
	case benchClientCredentials:
	case benchCode:
		f.password, _ = env.getenv(benchPasswordEnv)
		if f.redirectURI == "" || f.username == "" || f.password == "" {
			return errors.New("bench --flow code needs --redirect-uri, --username and the password in " + benchPasswordEnv)
		}
	default:
		return fmt.Errorf("bench: unknown --flow %q: want client_credentials or code", f.flow)
	}
	res, err := runBench(ctx, &f)
	if err != nil {
		return err
	}
	res.print(env.stdout, &f)
	if res.ok == 0 {
		return fmt.Errorf("no request succeeded (%s)", res.firstError)
	}
	return nil
}

// benchResult collects the latencies of the successful requests.
type benchResult struct {
	latencies  []time.Duration
	ok, failed int
	elapsed    time.Duration
	firstError string
}

// runBench prepares one worker per --concurrency (for the code flow, a
// signed-in browser each), then runs them against the clock.
func runBench(ctx context.Context, f *benchFlags) (*benchResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: f.concurrency, MaxConnsPerHost: f.concurrency}
	defer tr.CloseIdleConnections()
	ops, closeAll, err := benchWorkers(ctx, f, tr)
	if err != nil {
		return nil, err
	}
	defer closeAll()
	ctx, cancel := context.WithTimeout(ctx, f.duration)
	defer cancel()
	var next atomic.Int64
	results := make([]*benchResult, len(ops))
	var wg sync.WaitGroup
	start := time.Now()
	for w, op := range ops {
		results[w] = &benchResult{}
		wg.Go(func() {
			for ctx.Err() == nil && next.Add(1) <= int64(f.requests) {
				if !results[w].time(ctx, op) {
					return
				}
			}
		})
	}
	wg.Wait()
	return merge(results, time.Since(start)), nil
}

// benchWorkers returns what each worker repeats, and what closes their
// connections.
func benchWorkers(ctx context.Context, f *benchFlags, tr *http.Transport) ([]func(context.Context) error, func(), error) {
	ops := make([]func(context.Context) error, f.concurrency)
	if f.flow != benchCode {
		client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
		body := url.Values{"grant_type": {"client_credentials"}}
		if f.scope != "" {
			body.Set("scope", f.scope)
		}
		payload := body.Encode()
		u, err := url.Parse(f.url)
		if err != nil {
			return nil, nil, err
		}
		raws := make([]*rawWorker, 0, len(ops))
		for w := range ops {
			if u.Scheme == "http" {
				rw := newRawWorker(u, f, payload)
				raws = append(raws, rw)
				ops[w] = rw.send
			} else {
				ops[w] = (&ccWorker{client: client, f: f, payload: payload}).send
			}
		}
		return ops, func() {
			for _, rw := range raws {
				rw.close()
			}
		}, nil
	}
	authorize, err := authorizationEndpoint(ctx, &http.Client{Transport: tr, Timeout: 30 * time.Second}, f.url)
	if err != nil {
		return nil, nil, err
	}
	for w := range ops {
		cw, err := newCodeWorker(ctx, f, tr, authorize)
		if err != nil {
			return nil, nil, err
		}
		ops[w] = cw.flow
	}
	return ops, func() {}, nil
}

// time runs op once and records its outcome.
// It returns false once the run is over: a request cut short by the end of
// the run is no failure.
func (r *benchResult) time(ctx context.Context, op func(context.Context) error) bool {
	t0 := time.Now()
	if err := op(ctx); err != nil {
		if errors.Is(err, errRunOver) {
			return false
		}
		if ctx.Err() == nil {
			r.fail(err.Error())
		}
		return true
	}
	r.ok++
	r.latencies = append(r.latencies, time.Since(t0))
	return true
}

// ccWorker sends the token requests of one worker. Its URL is parsed and
// its headers are made once, so that the load generator, which shares the
// machine with the server, spends little per request.
type ccWorker struct {
	client  *http.Client
	f       *benchFlags
	payload string
	tmpl    *http.Request // made at the first request, for its context
}

// send sends one token request: a copy of the template with a new body.
func (w *ccWorker) send(ctx context.Context) error {
	if w.tmpl == nil || w.tmpl.Context() != ctx {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.f.url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(w.f.clientID), url.QueryEscape(w.f.clientSecret))
		req.ContentLength = int64(len(w.payload))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(w.payload)), nil }
		w.tmpl = req
	}
	req := *w.tmpl
	req.Body = io.NopCloser(strings.NewReader(w.payload))
	resp, err := w.client.Do(&req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

func (r *benchResult) fail(why string) {
	r.failed++
	if r.firstError == "" {
		r.firstError = why
	}
}

func merge(parts []*benchResult, elapsed time.Duration) *benchResult {
	out := &benchResult{elapsed: elapsed}
	for _, p := range parts {
		out.ok += p.ok
		out.failed += p.failed
		out.latencies = append(out.latencies, p.latencies...)
		if out.firstError == "" {
			out.firstError = p.firstError
		}
	}
	slices.Sort(out.latencies)
	return out
}

// percentile returns the latency below which p percent of requests fell.
func (r *benchResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies)-1) * p / 100)
	return r.latencies[i]
}

func (r *benchResult) print(w io.Writer, f *benchFlags) {
	rate := float64(r.ok) / r.elapsed.Seconds()
	unit := "req"
	if f.flow == benchCode {
		unit = "flows"
	}
	fmt.Fprintf(w, "target:      %s (%s, concurrency %d)\n", f.url, f.flow, f.concurrency)
	fmt.Fprintf(w, "requests:    %d ok, %d failed in %.2fs\n", r.ok, r.failed, r.elapsed.Seconds())
	fmt.Fprintf(w, "throughput:  %.0f %s/s\n", rate, unit)
	fmt.Fprintf(w, "latency:     p50 %s  p90 %s  p99 %s  max %s\n",
		round(r.percentile(50)), round(r.percentile(90)), round(r.percentile(99)), round(r.percentile(100)))
	if r.firstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.firstError)
	}
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
