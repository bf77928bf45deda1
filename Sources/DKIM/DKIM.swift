// The DKIM module: signing (RFC 6376, RFC 8463).
