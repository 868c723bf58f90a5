"""Image optimization for deployments: ``/_vercel/image`` and ``/_next/image``.

``config`` reads a deployment's images settings (Build Output ``config.json``,
Next.js's build files), ``request`` checks the query (``url``, ``w``, ``q``)
and picks the format from ``Accept``, ``sources`` reads the image (the
deployment's own stored files, or a configured remote pattern through the
outbound guard), ``transform`` resizes and encodes it with Pillow, ``cache``
keeps the results on disk under a size limit, and ``service`` puts them together.
"""
