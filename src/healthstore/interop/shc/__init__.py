"""SMART Health Cards: reading the ways a card travels (file, JWS, numeric QR text),
trusting issuers (JWKS and revocation lists, from files or the issuer's address) and
verifying cards (ES256 signature, raw-DEFLATE payload, validity dates, revocation)."""
