"""The `duizhao` command line: parse arguments, call one library function, render the result, map errors to exit codes."""
