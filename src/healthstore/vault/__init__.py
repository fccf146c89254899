"""Encryption at rest: keys derived from the person's passphrase (a memory-hard KDF with a
stored salt) that open an SQLCipher database."""
