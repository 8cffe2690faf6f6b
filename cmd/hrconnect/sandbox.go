package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"hrconnect/sandbox"
	"hrconnect/zoho"
)

func init() {
	register(command{
		name:    "sandbox",
		summary: "run the Zoho sandbox: Accounts, API Console, People and Recruit for every data centre",
		run:     runSandbox,
	})
}

func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	envs := map[string]string{"addr": "HRCONNECT_SANDBOX_ADDR"}
	fs := newFlagSet("sandbox",
		"Runs hrconnect's stand-in for Zoho's servers on one port, for offline work and tests.\n"+
			"Open http://ADDR/console/ for the API Console; programs use http://ADDR/_sandbox/.",
		stderr, envs)
	addr := fs.String("addr", "127.0.0.1:9090", "`host:port` to listen on; keep it on a loopback address")
	if err := parseFlags(fs, args, envs); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another process using the port? choose another with --addr)", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: sandbox.New().Handler(), ReadHeaderTimeout: 10 * time.Second}

	fmt.Fprintf(stdout, "Zoho sandbox listening on %s (API Console: %s/console/)\n", base, base)
	for _, loc := range zoho.Locations() {
		dc, _ := zoho.SandboxDC(base, loc)
		fmt.Fprintf(stdout, "  %s  accounts %s  people %s  recruit %s\n", loc, dc.AccountsURL, dc.PeopleURL, dc.RecruitURL)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
