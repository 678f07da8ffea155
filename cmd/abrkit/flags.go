package main

import (
	"errors"
	"flag"
)

// parseArgs parses a subcommand's command line with fs and returns its
// positional arguments. Flags may come before or after them, so
// "abrkit inspect file.mpd --json" works like "abrkit inspect --json
// file.mpd"; everything after "--" is positional. When the command line
// asks for help or is wrong, fs has printed its message and parseArgs
// returns ok false with the exit status: 0 for -h/--help, 2 otherwise.
func parseArgs(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0, false
			}
			return nil, 2, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		// Parse stops either before a positional argument or after a "--"
		// it consumed; after "--" every argument is positional.
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
