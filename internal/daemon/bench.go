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
	concurrency, requests              int
	duration                           time.Duration
}

// cmdBench drives a running server's token endpoint with client
// credentials requests and prints the throughput and latency percentiles.
// It stops after --requests requests or --duration, whichever is first.
func cmdBench(ctx context.Context, env *environment, args []string) error {
	var f benchFlags
	fs := env.flagSet("bench", "", "Load-test a running server's token endpoint with client_credentials requests.")
	f.commonFlags.register(fs)
	fs.StringVar(&f.url, "url", "http://127.0.0.1:8080/token", "token endpoint URL")
	fs.StringVar(&f.clientID, "client-id", "", "client_id of a confidential client allowed client_credentials")
	fs.StringVar(&f.clientSecret, "client-secret", "", "its secret (better: GRANTRY_CLIENT_SECRET)")
	fs.StringVar(&f.scope, "scope", "", "scope to request")
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
	res := runBench(ctx, &f)
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

func runBench(ctx context.Context, f *benchFlags) *benchResult {
	ctx, cancel := context.WithTimeout(ctx, f.duration)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: f.concurrency, MaxConnsPerHost: f.concurrency}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	body := url.Values{"grant_type": {"client_credentials"}}
	if f.scope != "" {
		body.Set("scope", f.scope)
	}
	payload := body.Encode()
	var next atomic.Int64
	results := make([]*benchResult, f.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range results {
		results[w] = &benchResult{}
		wg.Go(func() {
			for ctx.Err() == nil && next.Add(1) <= int64(f.requests) {
				results[w].one(ctx, client, f, payload)
			}
		})
	}
	wg.Wait()
	return merge(results, time.Since(start))
}

// one sends one token request and records its outcome.
func (r *benchResult) one(ctx context.Context, client *http.Client, f *benchFlags, payload string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.url, strings.NewReader(payload))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(f.clientID), url.QueryEscape(f.clientSecret))
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			r.fail(err.Error())
		}
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.fail(resp.Status)
		return
	}
	r.ok++
	r.latencies = append(r.latencies, time.Since(t0))
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
	fmt.Fprintf(w, "target:      %s (client_credentials, concurrency %d)\n", f.url, f.concurrency)
	fmt.Fprintf(w, "requests:    %d ok, %d failed in %.2fs\n", r.ok, r.failed, r.elapsed.Seconds())
	fmt.Fprintf(w, "throughput:  %.0f req/s\n", rate)
	fmt.Fprintf(w, "latency:     p50 %s  p90 %s  p99 %s  max %s\n",
		round(r.percentile(50)), round(r.percentile(90)), round(r.percentile(99)), round(r.percentile(100)))
	if r.firstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.firstError)
	}
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
