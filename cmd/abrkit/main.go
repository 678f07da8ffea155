// Command abrkit is the command-line front end of the abrkit toolkit: it
// inspects manifests, serves test content, plays streams headless and runs
// the ABR lab. Each subcommand lives in its own file and registers itself
// in the commands table.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand of the abrkit binary.
type command struct {
	name    string
	summary string
	// run executes the subcommand with its arguments (without the
	// subcommand name) and returns the process exit code.
	run func(args []string, stdout, stderr io.Writer) int
}

// commands holds every registered subcommand by name.
var commands = map[string]command{}

// register adds a subcommand; it is called from init functions only.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("abrkit: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// defaultCommand is what a bare "abrkit" runs.
const defaultCommand = "demo"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return commands[defaultCommand].run(nil, stdout, stderr)
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "abrkit: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: abrkit <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
