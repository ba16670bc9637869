"""Print the README's Quick start commands, one per line, exactly as a reader copies them.

The Quick start section's first ```bash block holds the set-up-and-run commands; a
trailing "# comment" is the reader's explanation and is dropped. Exits 1 unless there
are exactly two commands (install-and-demo, install-and-test).
"""

import re
import sys


def quickstart_commands(readme: str) -> list[str]:
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    if block is None:
        return []
    commands = []
    for line in block.group(1).splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


if __name__ == "__main__":
    commands = quickstart_commands(open(sys.argv[1], encoding="utf-8").read())
    if len(commands) != 2:
        sys.exit(f"expected 2 Quick start commands in {sys.argv[1]}, found {commands}")
    print("\n".join(commands))
