"""Password hashing: Argon2id with OWASP's recommended parameters (time 2, 19 MiB, 1 lane).

Sign-in took 0.8-1.5 s of server time, nearly all of it PBKDF2-SHA256 at Django 5.2's
1,000,000 iterations (bench/sign_in.py).  Argon2id is memory-hard, so a GPU or ASIC attacker
gains far less than against PBKDF2; OWASP's Password Storage Cheat Sheet lists these
parameters (m=19 MiB, t=2, p=1) first among its equivalent Argon2id configurations.  Django's
own defaults (100 MiB, 8 lanes) spend more memory and threads per sign-in than a small
server with a few workers should.  Hashes made with PBKDF2 still verify and are re-hashed
with this hasher at the person's next sign-in (Django does it when the hasher differs).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    algorithm = "argon2"  # the same encoding: parameters are read back from each hash
    time_cost = 2
    memory_cost = 19456  # KiB (19 MiB)
    parallelism = 1
