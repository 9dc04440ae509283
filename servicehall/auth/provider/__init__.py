"""The hall's OpenID Connect provider: authlib's framework-free core, an async adapter."""
