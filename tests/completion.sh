#!/usr/bin/env bash
# Loads the bash completion the way bash-completion does and checks what it offers.
. "$SRCDIR/tests/lib.sh"
comp() { # words... : prints the completions offered for the last word
	bash -c '
		. /usr/share/bash-completion/bash_completion
		. "$SRCDIR/completion/virtmode.bash"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_virtmode virtmode "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
check "commands offered first" bash -c "$(declare -f comp); comp virtmode con | grep -qx convert"
check "detect options" bash -c "$(declare -f comp); comp virtmode detect --js | grep -qx -- --json"
check "convert --target values" bash -c "$(declare -f comp); comp virtmode convert --target '' | grep -qx nitro"
check "bench offers compare" bash -c "$(declare -f comp); comp virtmode bench com | grep -qx compare"
check "no check option leaks into detect" bash -c "$(declare -f comp); ! comp virtmode detect --ver | grep -qx -- --verify"
done_testing
