"""`python -m archlang`: the `archc` command, for where the script is not on PATH."""

from .cli import run

if __name__ == "__main__":
    run()
