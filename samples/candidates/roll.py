"""A stand-in for an AI tool's answer: a random number from 1 to 6, or checks one (>= 3)."""

import random
import sys

if len(sys.argv) > 2 and sys.argv[1] == "--check":
    with open(sys.argv[2], encoding="utf-8") as answer:
        sys.exit(0 if int(answer.read()) >= 3 else 1)
print(random.randint(1, 6))
