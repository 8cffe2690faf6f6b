// Command hrconnect is the ATS's connection to HR systems: it runs the web app,
// the REST API and the background workers that create hired applicants as
// employees in Zoho People, and a stand-in for Zoho's servers for offline work.
//
// Run "hrconnect help" for the commands and their settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand of hrconnect.
type command struct {
	name    string
	summary string
	// run parses args with its own flag set and does the work until ctx ends.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the one table of hrconnect's subcommands.
var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the process exit code:
// 0 on success, 2 on a usage error, 1 on any other error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				_ = c.run(ctx, []string{"-h"}, stdout, stdout)
				return 0
			}
		}
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "hrconnect: unknown command %q; run \"hrconnect help\" for the list of commands\n", args[0])
		return 2
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "hrconnect %s: %v\n", c.name, err)
		return 1
	}
}

// errUsage marks an error the flag package has already explained.
var errUsage = errors.New("usage error")

func usage(w io.Writer) {
	fmt.Fprintln(w, "hrconnect: puts an applicant tracking system's hires into HR systems (Zoho People first).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: hrconnect <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run \"hrconnect <command> -h\" for a command's flags and environment variables.")
}

// newFlagSet returns a flag set whose usage text lists each flag with the
// environment variable that can set it instead.
func newFlagSet(name, summary string, stderr io.Writer, envs map[string]string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: hrconnect %s [flags]\n\n%s\n\nFlags (each can also be set by the environment variable shown):\n", name, summary)
		fs.VisitAll(func(f *flag.Flag) {
			env := ""
			if e, ok := envs[f.Name]; ok {
				env = " [$" + e + "]"
			}
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			arg, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(stderr, "  --%s %s%s%s\n      %s\n", f.Name, arg, env, def, usage)
		})
	}
	return fs
}

// parseFlags applies environment variables (for flags not given on the
// command line) and then the arguments.
func parseFlags(fs *flag.FlagSet, args []string, envs map[string]string) error {
	for name, env := range envs {
		if v, ok := os.LookupEnv(env); ok {
			if err := fs.Set(name, v); err != nil {
				return fmt.Errorf("environment variable %s=%q: %v", env, v, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q; flags start with --\n", strings.Join(fs.Args(), " "))
		return errUsage
	}
	return nil
}
