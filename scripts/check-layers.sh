#!/usr/bin/env bash
# Fails (exit 1) on any #include "folder/..." that points sideways or upwards against the layer
# order in cmake/layers.txt, naming the file, the line and the rule. Run by ctest as `layering`.
# Sources of every layer folder are checked, and tests/<folder>/ as that folder.
set -euo pipefail
root="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)"
layers_file="$root/cmake/layers.txt"

declare -A level=()
declare -A forbidden=()     # "from to" -> 1
instruments=()
number=0
while read -r first rest; do
  [[ -z "$first" || "$first" == \#* ]] && continue
  case "$first" in
    forbid)
      from="${rest%%->*}" to="${rest#*->}"
      for a in $from; do for b in $to; do forbidden["$a $b"]=1; done; done ;;
    instruments)
      read -r -a instruments <<<"$rest" ;;
    *)
      for folder in $first $rest; do level[$folder]=$number; done
      number=$((number + 1)) ;;
  esac
done < "$layers_file"

# The layer folder an include path or a source path belongs to: the longest known prefix.
folder_of() {
  local path="$1" best=""
  for folder in "${!level[@]}"; do
    if [[ "$path" == "$folder/"* && ${#folder} -gt ${#best} ]]; then best="$folder"; fi
  done
  echo "$best"
}

violations=0
checked=0
check_file() {  # file (relative to root), the layer it is checked as, "test" or ""
  local file="$1" layer="$2" kind="$3" line_number=0 line target target_layer
  while IFS= read -r line; do
    line_number=$((line_number + 1))
    [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
    target="${BASH_REMATCH[1]}"
    target_layer="$(folder_of "$target")"
    [ -z "$target_layer" ] && continue          # tests/..., bench/..., or a file beside it
    [ "$target_layer" = "$layer" ] && continue
    if [ "$kind" = test ] && [[ " ${instruments[*]} " == *" $target_layer "* ]]; then continue; fi
    local why=""
    if [ -n "${forbidden["$layer $target_layer"]:-}" ]; then
      why="$layer never includes $target_layer"
    elif [ "${level[$target_layer]}" -eq "${level[$layer]}" ]; then
      why="$target_layer is beside $layer (same level)"
    elif [ "${level[$target_layer]}" -gt "${level[$layer]}" ]; then
      why="$target_layer is above $layer"
    fi
    if [ -n "$why" ]; then
      echo "$file:$line_number: includes \"$target\": $why (cmake/layers.txt)"
      violations=$((violations + 1))
    fi
  done < "$root/$file"
  checked=$((checked + 1))
}

cd "$root"
for folder in "${!level[@]}"; do
  [ -d "$folder" ] || continue
  while IFS= read -r file; do
    [ "$(folder_of "$file")" = "$folder" ] && check_file "$file" "$folder" ""
  done < <(find "$folder" -name '*.h' -o -name '*.cpp' | sort)
  if [ -d "tests/$folder" ]; then
    while IFS= read -r file; do
      [ "$(folder_of "${file#tests/}")" = "$folder" ] && check_file "$file" "$folder" test
    done < <(find "tests/$folder" -name '*.h' -o -name '*.cpp' | sort)
  fi
done

if [ "$checked" -eq 0 ]; then echo "no sources found under $root"; exit 1; fi
if [ "$violations" -gt 0 ]; then
  echo "layering: $violations include(s) against the layer order in $checked files"
  exit 1
fi
echo "layering: $checked files, every include points down the layer order"
