# bash completion for virtmode
_virtmode()
{
	local cur prev words cword
	_init_completion || return

	local commands="detect collect bench check convert"
	local cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--root) ((i++)) ;;
		detect | collect | bench | check | convert) cmd=${words[i]}; break ;;
		esac
	done

	case $prev in
	--root | --dir)
		_filedir -d
		return ;;
	--svg | -o | --output)
		_filedir
		return ;;
	--target)
		COMPREPLY=($(compgen -W "xen-hvm kvm nitro" -- "$cur"))
		return ;;
	--console)
		COMPREPLY=($(compgen -W "ttyS0 tty0" -- "$cur"))
		return ;;
	esac

	local opts
	case $cmd in
	"" | detect) opts="--json --explain --quiet --vm --container --prometheus --root --help --version" ;;
	collect) opts="--include-ids -o --help" ;;
	bench) opts="compare --quick --only --dir --json --svg --help" ;;
	check) opts="--target --console --json --help" ;;
	convert) opts="--size --label --console --target --verify --force --json --help" ;;
	esac
	if [[ $cur == -* || $cmd == "" || ($cmd == bench && $cword -eq $((i + 1))) ]]; then
		[[ -z $cmd ]] && opts="$commands $opts"
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd in
	check | convert | bench) _filedir ;;
	collect) _filedir -d ;;
	esac
} && complete -F _virtmode virtmode
