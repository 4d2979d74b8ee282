"""Shell completion scripts for bash, zsh and fish (``vsh completion SHELL``).

The scripts hold no knowledge of vsh: each hands the command line up to the
cursor to ``vsh -q complete --shell SHELL``, which parses it the way vsh
would (global options such as ``-c URI`` and ``-r`` included, so live names
come from the host the command would talk to) and prints one candidate per
line, quoted for bash, plain for zsh and fish (which quote themselves; fish
also gets a description after a tab).  Standard error is discarded: a
failed connection just means no names.
"""

from __future__ import annotations

BASH = r"""# bash completion for vsh; load with: source <(vsh completion bash)
_vsh_complete()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local line
    if [ -n "${COMP_LINE+set}" ]; then
        line=${COMP_LINE:0:COMP_POINT}
    else
        line="${COMP_WORDS[*]:0:COMP_CWORD+1}"
    fi
    local IFS=$'\n'
    COMPREPLY=($(command "${1:-vsh}" -q complete --shell bash -- "$line" "$cur" 2>/dev/null))
    if [ "${#COMPREPLY[@]}" -eq 1 ]; then
        case ${COMPREPLY[0]} in
            */|*=) compopt -o nospace 2>/dev/null ;;
        esac
    fi
    return 0
}
complete -o default -F _vsh_complete vsh
"""

ZSH = r"""#compdef vsh
# zsh completion for vsh; load with: source <(vsh completion zsh)
_vsh() {
    local line="${(j: :)${(@)words[1,CURRENT-1]}} $PREFIX"
    local -a found open
    found=("${(@f)$(command ${words[1]} -q complete --shell zsh -- "$line" 2>/dev/null)}")
    found=(${found:#})
    if (( ! ${#found} )); then
        _files
        return
    fi
    open=(${(M)found:#*[/=]})
    found=(${found:#*[/=]})
    (( ${#found} )) && compadd -- "${found[@]}"
    (( ${#open} )) && compadd -S '' -- "${open[@]}"
    return 0
}
if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _vsh "$@"
else
    compdef _vsh vsh
fi
"""

FISH = r"""# fish completion for vsh; load with: vsh completion fish | source
function __vsh_complete
    set -l tokens (commandline -opc)
    command $tokens[1] -q complete --shell fish -- (commandline -cp) 2>/dev/null
end
complete -c vsh -f -a '(__vsh_complete)'
"""

SCRIPTS = {"bash": BASH, "zsh": ZSH, "fish": FISH}
