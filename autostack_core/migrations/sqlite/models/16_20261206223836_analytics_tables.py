from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "analytics_cursors" (
    "source" VARCHAR(64) NOT NULL PRIMARY KEY,
    "inode" BIGINT NOT NULL,
    "offset" BIGINT NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
) /* How far a log source has been read: the file (inode) and the offset in it. */;
        CREATE TABLE IF NOT EXISTS "analytics_salts" (
    "day" DATE NOT NULL PRIMARY KEY,
    "salt" VARCHAR(64) NOT NULL
) /* The salt of one day's visitor hashes; deleted when the day is over. */;
        CREATE TABLE IF NOT EXISTS "analytics_visitors" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "period" VARCHAR(1) NOT NULL,
    "bucket" TIMESTAMP NOT NULL,
    "visitor" VARCHAR(32) NOT NULL,
    "deployment_id" VARCHAR(16) NOT NULL REFERENCES "deployments" ("id") ON DELETE CASCADE,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_analytics_v_deploym_0a213c" UNIQUE ("deployment_id", "period", "bucket", "visitor")
) /* A visitor (a hash of the day) seen on a deployment in an hour or a day. */;
CREATE INDEX IF NOT EXISTS "idx_analytics_v_project_b13dbb" ON "analytics_visitors" ("project_id", "period", "bucket");
        CREATE TABLE IF NOT EXISTS "traffic_rollups" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "period" VARCHAR(1) NOT NULL,
    "bucket" TIMESTAMP NOT NULL,
    "requests" INT NOT NULL,
    "bytes_sent" BIGINT NOT NULL,
    "status_2xx" INT NOT NULL,
    "status_3xx" INT NOT NULL,
    "status_4xx" INT NOT NULL,
    "status_5xx" INT NOT NULL,
    "latency" JSON NOT NULL,
    "paths" JSON NOT NULL,
    "referrers" JSON NOT NULL,
    "deployment_id" VARCHAR(16) REFERENCES "deployments" ("id") ON DELETE SET NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_traffic_rol_deploym_e7f322" UNIQUE ("deployment_id", "period", "bucket")
) /* One deployment's requests in one period (``m``inute, ``h``our or ``d``ay). */;
CREATE INDEX IF NOT EXISTS "idx_traffic_rol_project_48ba98" ON "traffic_rollups" ("project_id", "period", "bucket");
        CREATE TABLE IF NOT EXISTS "web_vitals" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "path" VARCHAR(200) NOT NULL,
    "metric" VARCHAR(8) NOT NULL,
    "value" REAL NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "deployment_id" VARCHAR(16) NOT NULL REFERENCES "deployments" ("id") ON DELETE CASCADE,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE
) /* One web vitals measure a visitor's browser sent for a page. */;
CREATE INDEX IF NOT EXISTS "idx_web_vitals_project_9e7328" ON "web_vitals" ("project_id", "created_at");
        DROP TABLE IF EXISTS "analytics_rollups";
        DROP TABLE IF EXISTS "analytics_events";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "analytics_cursors";
        DROP TABLE IF EXISTS "analytics_visitors";
        DROP TABLE IF EXISTS "analytics_salts";
        DROP TABLE IF EXISTS "traffic_rollups";
        DROP TABLE IF EXISTS "web_vitals";"""


MODELS_STATE = (
    "eJztXWtz27jV/isYfdlkxptJ5DjJOp3OyLaSqOtYriwnb3fVoSgRslBTgEqQdtx2//t7AJ"
    "IS7yZ1pbD4shuTOCD1HAA89/PfxoxZ2OavWjYxeeMU/bdBzRmGf8RvHKGGOZ8vL4sLrjmy"
    "5UhTDMH+oBF3HXPswuWJaXMMlyzMxw6Zu4RRuEo92xYX2RgGEnq3vORR8m8PGy67w+4UO3"
    "Dj93/CZUIt/APz8M/5vTEh2LZir0os8Wx53XCf5vJah7qf5EDxtJExZrY3o8vB8yd3yuhi"
    "NKGuuHqHKXZMF4vpXccTry/eLvih4S/y33Q5xH/FCI2FJ6Znu5GfOzKW1xqGcdXtGzftvm"
    "E0KgA0ZlSAC6/qM+pOvMLPzTdv37/9cPzu7QcYIl9zceX9H/6jl8D4hBKeq37jD3nfdE1/"
    "hMR4CeqUcVf+OwXt+dR0srGN0iQQhldPIhziWV+IZ+YPw8b0zp0KXE+OCwD91uqdf2n1Xs"
    "Col+KRDLaBvz2ugltN/55AfYnyPfyybITb1JtJlDvwTiYd4xTaIe1mkA4vLKFe7uDVsW5c"
    "97oXt+f9TvfqFM0dZnljcWdAL9rXl91/fG1f9U+Rhec2e5ph6g7oWa91df7lFI0c+M3TAb"
    "2+vbw0eu2/37ZvYOQcXuBnB8Mbcxh7fnvT7349RWOPu2zWWIGnb96VYOmbd7kcFbfiDPXf"
    "u8qmWVKsxMhgQ2yZj6vumdevy+yZ16/z94y4F4d47GABh2G6aZgv4I5LZjgb6jhlAm4rIH"
    "0V/qM+u6g8+vADrS61n4KFUQB+v/MVtlTr67V43Izzf9sSv1a/Le405dWnxNUXyZ2wmAR9"
    "7/S/IPEn+q171ZbwwsfgzpFPXI7r/9YQ72R6LjMoezRMK3Koh1dD1GJc9+bWilyPU2qu14"
    "XrIUYRtgdvv+T68tNgZEl5+adqilC9w3XzHy/4QP8Lj7OhzhWo40TPC9aHsKE2IFsLbWVy"
    "nylaB4ilMf7EHEzu6K/4KSX5JXANtLPr5UwHBvEf4TIKry53m2M+LpS8xOoCBOB3Y9ff/K"
    "2b89ZFu5FzYGwA3ovYZId1VpQFOHVQxjCGt0BXIII35HoemeP7R9OxjNjCFndYkyWuLMam"
    "b82as+QVk5p3EiPxY8Srh+YHatpPLhnzc8/hzGlkWSgSQ44KbRXhYGMsR5ezWjS+sEe45S"
    "AT2ewOceY5Y4ymJkcjjCkSn18Ad4rRhNgYvSAUHvwSmdSSF9lkwrGLCEXEfZXUUjY49QDU"
    "qg69A9UI3hrN2APmcBk9EncKs8NCsIi4Y9rIl4gEmZgEfjvlptTL4G8TKBziYj6g4qbDQO"
    "Py5vwIXg25jww9MuceO1y+GfwEOQMHjiCbUHjgmHnUFRdniMHekr93DdOOj0eVD/+SQjkL"
    "xLu3JT74797mfvDFrWKjj1xeabTPyF2+PS0k2d2X//V2P/u/NJvHx++br4/ffTh5+/79yY"
    "fXi+9/+laRIHDW+SxkgRg3QsPbEnN/D1cDfUmjUV8Nda1O5jNELXUyJYjvWZK5MSWz8uUY"
    "OaCkFMNhbEkZpi8/1LYLQgN8mjGyzKefOHognLjMERLHFPOPyBf9LPQ4xb50AMMQ4QikCS"
    "ctvGxozjUEBJgqewPnmAX84UW79uCEhIL9KfbcM598Hqy20vJVML7OXoe9yld1O2+++bux"
    "8MgJx5Q8dYINXvLgaS0OhBemPBPEaREcAy8RF2oOaB5mxA0kNBOToimI8ogJ1QhGpg+fDc"
    "6bcQD9njAlzLFDmNwOI2987wtfwfMb/0ycVr9HTTwpwn9WcmQXyt5q+bJ3IgLmn4RLRpU9"
    "C5cUCp6Gb8pYl/ONyynH6GLXVBG2l1QKCtqHK1in3XMPyy9I2d0TIVFw+xw3S+yf42buBh"
    "K34jtoz76wesOtnWHaGaadYbVxhh0qwsXesAXIe1Lp5qTP7jFtZKly4b2jQhVuTkDJgWGl"
    "VTc5Gk1AWxKa1fllR/qeWtedj6Bc2U+IuBzxqdk8eScsOhy+59hCL/xnINPBCO78PCIuco"
    "COzV5mqXFbeYaOJ65XPHHVWOLNxhHv+xsal1WaZaIiYVS+tNJMRUXK7WAIM0gVlONU2mOa"
    "4zGNiit4Qn5UMhIsKFRcyhsXu3V0bz70h+mYKxPda5vcNTy+Et+TtBvgfD1juerO6FKGIv"
    "xjTmC6Ffgcp9RcrjOXYTs61SwnEQptNnnebCLg2oBSfxtMc2DgllXnI4uqVoq8ZxG3/YBp"
    "diDI8u5RoTIvxhlYDCypzncpRuOpSe+wcH9yWCk/E3ok4z1dGZrhMO9uik4nHh2fDsUGh/"
    "UzvgecHfwKoHwgY8xfyee+cjBctYZpfX5bD3leof+94UexitFkLv4bEQlhbPR+uH+SI1xs"
    "ykxCWDTaT1tPP+2SiWVVsCWFgirY5nVc13Rgj/kgVUA5QbY7qBuNnQC9eY9egFg1b16MSD"
    "mQN7+axTmSxvdvN92rvBBBf3xSwSBjF/0P2YRvTRpt/EV8E2UexsgjtksofyUe+9dtQV8A"
    "tcAnpmyEEL/42vq/JPrnl92zpBYhJjhLsML/KJdd6P5ovcKfXeHaZJYPvbomMxBqqsXbLA"
    "iU21LNkzJ7CkYVlGZJS0HSNVLVbRWnUg7prbiuckNAipwqy/ha1TB++6EExG8/5CIsbiVi"
    "L/EElOsqQtCSYi0x6HAsrFuRd8yJm2Wly4d9QaBRXx11YcKpZnuOUKxke64Z4JsJ5dinMV"
    "9BQAts+aHNcU1bfj+Y5rCwLWvKj+zR5wMfd+sdOVBE85wj+675cc4oBdkOW78xihsZDpL4"
    "gKMiH4lFufEfGFU+3hGW2U8cXVzdIEHnF8RogR52I5wUgWODL7wYphwJ0ugDsbCD5rZ3R2"
    "hmjOMm5hUVPoZDYOyE3A2HaMoATvQoZhKBk+FoeMxw6GMNg0x+jy0ZXPmCwGiTWgMKar+F"
    "qUsAhJcwQKbucmzaMFB8UBEbCeH6o6geQvEDPN/G5oN8OzHOKUjbXTpQxK/09aBkdpyOu9"
    "xl3GW4KipqVwsaBT0mm1ewlou9AsoxIgVh3krBXP/wM/zTKo12H//IOS9ShEogXmTPbP9f"
    "v1i3WpgzL7tXn8PhSYVLm5q1qXn3GnXtmKuSBlg3cDemAubrKxF3MJvBI3ga7bOA8NOvPW"
    "ybOQEjYS6cnEQd1fCPrepzDqM9LzNrLbx1VKTDjWGQ4Xhlc9ZE/FlQIh7NTAujF6D7jLCo"
    "VSj+fCl1IROJWU8RH0+x5YFEcCSD1VzTEYWKRk8I9DErO7ZtQ3P7utxijAGUoK0RX8m67Z"
    "+jGaGei2G2xRgEIMDTbEbvYBhDL66E4iYfOaDiXuIZLz+CIgjXXI8Dyy0stEFqwTXLc+QC"
    "N2ZSQ3QwkjN5oBLaftlHk/JH0PvGbIb5EVBgx5Hvx80noXE+ibcEskdQHqkgfeHgiQjBP0"
    "Li620h5rm5aXjx6iimK1OPwh8Z/bcEpbi4SjR8T4fr1TJcL+RwaeUzGK+EfB7XiE7elAkh"
    "g1G5GpG8FxfJozunLMZRGgVxbp6USUuDUQWaZyoxLX4qVdR+UsQ6faXO6Ssgy3imnfHVYM"
    "zGJs3m8ZIowdwRUG1rTy2u7JajZ93uZYyZZ52k9eD261k7rBAFg4gb+15E9pUvtKxgUohT"
    "6h1V5x0VEUMrmBESVNqXnN4+EVm+ArAJKg1sGlip8lSxMC8IVGg1ow3LtWGFwoZl3d5JV7"
    "Q7zC9FgTFfV7RTsaJdzc6KsgDXu72Tz4EvjN03MrwDkbtHhUFecpwxhYG6C7Va0Uu6atx2"
    "U2923q643hhvpV+xrsy3m6oFErDqgWFJOiWWtVbfa8MKhdV3rVBqhbJm+k4ZhXKfus4sp+"
    "hXXBd9TteZla75tY6qs5lIm4ICHxv83j4v2kSqqySKjhE6cUx4rjd2Pfgz4Ejw2/krih+N"
    "mBq9tXos2zEAFvR+c4N+d2mOtak3Sx0qKd/croscwFAPWxXhb/z9tn3bvjhFPvWAnt12Li"
    "86V59PZZkd0cV4QC/a15fdf8iLPq/l1V67dfGPU9nr+GlA271et3eKpJ9nQM9bV+ftSzHv"
    "WOATSI/7t/L69aFW5eqSeodsnTv4geDHqny97nUvbs/7ne7VqUh+szy5uwf0utf+1ml/Fx"
    "flvIK739qX3euv7au+4O8Dttk8PGv3zzF5tDLHh3pFviXn2CH3lnEvVZj3tXV127o8RT71"
    "gH5vn33pdn89RY94JCx5A9q67XdP5Vk9oJ87feP69ubLKboj7s9zj0/DLWv4VP6m/XkaGA"
    "v3z1S/D3kBT3MiHuJkO2SjBwCaVc/W2vi2YFkYnpMRspUPdYREPe/hSSlL1kmBJeskbcka"
    "s9kMQOPTjIJ6+TjHqdSDegsF3XzEZphz0CVWwDpCqR7eW1naOzeE1xrirdjB5/BgI8ieqW"
    "IvSpDpWLWMCj3y222ALEUmmejml5zKINXFp1YvPhXIb1W9PQky9U6UzX8kmefOPXexcCtD"
    "nkevsS9RUxm7OKcKe0Fh5SiRPmNWP2MixsiKKk+aUr3VvhXxUNr88gXyZ4LCVZPHd+5dlg"
    "bWUAjMcu8XJmZlkesUrQopWo/Muc8pAZl/1sSIVFj1CRNWqWPmTcEx8yZDCxX+CEMEOhgc"
    "w+OtjJyeTyCv5xw22eQJ7CeC/vDQLwD7ont7dtlG1732eeemE3xwF3ES8mZ8hffarcvMb+"
    "rq0OfQa+xLYK+Dh/LPHHWDh0Lf6wpsT5DqzN86Z/4u3OkrMDpJqzldZ07LMIkVuByl0xyu"
    "M4d9bXaF1r0ROs3hOnM4jGVaRRiLk2o+15nPfljsKmyOU2ou15nLOkBfd0SpLaA642EvKf"
    "S6N8qWe6NE+n/ZxOR4zVrDLTGJOkjH1qJJTfvJJWNuPBBOXOasi1U43zd/OoW2fcJiGimJ"
    "vDpckfLLCi4uAdK6db4X/nIBlaqryWZ3G8Ppkt2pChPcmUzI2HCYbXvzNRHr+5P15FyKbs"
    "BHPIJz3TXtNbH6jkffxDQqLazdZJrKU6sw2zQ818pknBqLE7VcFf7hUBIMhwiInSfEJrLT"
    "2HJC2ansATtjbL/6F2d0OMwuub/qRJnF5+MlpFL153W3sr12K9PF4nWxeAWKxe+5sGW9Ed"
    "9M9l+B+Wh/VQLrBnxZe0dxmcDaVM4Q2kWhOBOoH6WkmVDtKSfMyJgT0cjHnwEBNbIJxR+D"
    "rqjYkkJIpD7HK/EAkFlsInqnin452dLNxmYuU9EjvjWA17ptTj3b5gjnGRxNs3lV/1yMUI"
    "fE1cVfVyYkjrs4g90FklkwXssIZQoyuE5ml8UieEOKHZZh4K7FPLexE5DL9EHOb4Oc6oIs"
    "PlppfPNzY8LxSizfXefEaA1Daxh1AF4NDcPv55qlWiw6vRboFMuWsrr0uDKmSJ+rRtUK5A"
    "ky5Qo3N0+OS5nLjgvMZcdZ1ZuqV2CJU6mXYriVKiwOtogj4oVcVgXrBJmCYG9jXS9Q8xvZ"
    "VTilMyh13GA6EPMBO2RCxn4vO1nJvcqizqZWUB7efAUQwg0fvcrZ+AlKnYhfIRHfoqIZJp"
    "2QO8+pDHyaWGNfEfv/MIqNyo0h05QqfD53bfDg3M79jJasWB2bYYc2Pcpo+Dal6+Neda/a"
    "AD1QDuh1+8qvVz3H1C9X3bm5kSWtCeeypPWnVkeWop6YpDaFqAXclfdKjEhvkxVq5WDHNf"
    "CPOUiPfJUkvjS5TvGqc4pXKEutwOsEqeZznfmsi6Tkf8jU9QgvRMdKJt4ElTYcpKV5nRmr"
    "Ezlr5iGr3As52OUbAPecUQqPxtZvwXyHdTiU9kHGz8VatUJu0wfiMCocpN9MhwRAp/yRWc"
    "OOipyTeElgPAQUW3BVxnqF3eMn8b/Io3VaxV59mQFDytrFg+EKGsK3Euz/YNoeXqHzbJJO"
    "Cbx3be+IHjKZS/x5u2BiijqzQa2eZ1qd/ZOps97cWpHrcUrN9bpwPcN2lcoD17q21rVrpg"
    "nWt030Z+K2xmPmZbeJjtw9KtL6RGic6Q+skOM2xw5n9CeOgBRzjlwm8+xhMjSFIwG9MJGM"
    "knl5hHypFZkugnPCzU5sW2+6TCUzLF4l6LVOuVedUrIgU+LOxjUcX2fxekWt8m2ZRJq3+Z"
    "k0b1OpNCDkWiCrE9NeQa/MJFYC9p0707WWopi8qrWUPyPXy2gpu6/pWjvmblc/2W3h0bqB"
    "W1Yzyas8un+1JHASkuySYvEBzyon48XYkvpJCwU6GxqHzkqhUAyHDoaDQBT7fBoOQb+QRT"
    "MWKsZwKP4HN0ZPoopYSGmMnrJqjW3pGWXqcoTS8fJJFStzaH1G6zP11Wciy7oCxHEqBYHe"
    "Sq9SrbSoJr5qpeXPyPUySktU2qimvGRQ6jjRGseJHrzsVaAZRtfi7jTEmq3csgpixsbdQC"
    "BjCTdil+I+g/9s34m417W+NRfiWvp3h4pK6nnKd+TuUZHmTRbjdLWawztBjwq0VzwziV1F"
    "t1oQKKhWNU/K1DuAUQVRnqmKBw7LK5v9fIRhSFtnrBvd71ft3ilij/A2A9q6+Nq5OkWmNS"
    "N0QL+2RZb8KZrh2UjcFbGG4m8Rauh/bPcfUihjCYypySsVEYpTKVeuafOVP7R5IR/6w1Q0"
    "y5gXRAjPfDW2J0h1mnF97AlpPksJcQVzQopOGxPSxgQXm7NqsEYotIv5eUOCm1nhubIBoR"
    "9Mc2DgltVcI4vq+SzT5cbWlplncE2dgbVKMA3tMRnmg4ipJt92ENg7tm84+H2xjSOeCe0M"
    "36k5oWrVW2XL3W7eFS6iXzynkq0mQqJCSawd+MCrFxNes5DwSrJAI6wtvgOT2DZqCU8c+M"
    "cjc+6rAB0jUm85b/7AkP2hAMAZfNordXpIEaqH9pvXpda1GJZvSXydXtlEiLK2vQrqGaQa"
    "97K4M8+de67h176uGC2WRase8lv5XMKKddxVFnuKUD3At7XULfywCuIJMo13WbwdxlY8WN"
    "KUOxQRdyMebuVUoczCotY7D+ISSiuTCTr11vhxmdbOx/mdnY9TjZ3nDnsgVlaCTUHz7AjN"
    "Dle0zcamvZtlvXlhfFlzp6oSn6ZUb11v5RiR/iq/fZiBqYChaueDnBl22P4gNGAdbPeDRz"
    "yaMnZvcDx2sLtCUnruBCrsgl3npQOCIsEfYLvHWS1jC9oKJQm1nza92Dl2XXheRqOJv910"
    "r3I0oQhNMsSBjF30P2QTvjWXbeMvE4/Kj4tsJw5vwl+Jx/51W9/ZAjwFRsUrPrm4j+JxDG"
    "KC5IqHr6fr54sayw9p9uf3+XC83MkOqSdI6+bme7d3cYrmJuePzLEGtN9ufYXNGXjP9h+R"
    "F8NZliXcCMcWM2l2bY1dwUtWDqcsmkOFL30y0PikVKDxSUGg8UkBG0ZPAsQVpK2iOVRggy"
    "4EVBtWKBz0qnNqVeN6mZxaHaW5aX1q96WVava50mGvNQjPrBT2uttiVTVbruvWqioT6hqx"
    "79rE5DjD2HIWEH76tYdtM0dHD4BuiUkUWrxxCzg17SeXjLnxQGQ9nHXBCuf75k+nKm5jB3"
    "6749E14TqHaXoeVRWlwDEirPNrAnUhZ/oCE6mNlWijsRGown4cSkLFRHTrujCxMERWRYhy"
    "e3OtDlhOfzAV0XOYbcMkhgNyx/oCRM+fredPpipmcGcyIWNDYOfN14Ss70/Wk3OpitgjHh"
    "miaIq9Jljf8eibmEYlnCqlq8UzYMaxWrHZsIYFh54HN1V8Vg1964+KKX6JMywj0y99yuUn"
    "/GWdr+X6iASUKKBEbILMsLTuEZo4bCYr6C59r2gpV4mCuyai+FH0CsnuK7K56Qd0QIdDUO"
    "LvMB8OEeFwT7jpxZTD4X8HjTl2xkA1gEe/+fmXX47QoMEx8Mni4tLEZqbw7F/BXH8A/Qvx"
    "j9MBFU+Xk6JHk7gcTZiDAGeHPZj2y4/InLjYka9om+JZ8JPEH+KlIi9K+IACyYzBKn6F2g"
    "/YeULjqUlhVvme4i2I+HWmjXxzs6hMLH+Ni+FlTGqh4LcNh0cDyhlyHxkSmTfY4fA0mBGN"
    "mDtFpvUgrBhIvOWIOfDo3A4susbTHpMyxco2rJjiUD7pKkVa51pEq4aOb6Gm0IqApwg13C"
    "Xg9k/iNM4FYVcLinoEXYnnKRN0JcGtcJAvxu/OC/a61md5DEp35fJxC+IdBjw5HqUCoGr4"
    "Nnq3V1edq8+nKKAf0Nb3VqcPl4zW9XWv+611eYpMIRYJ0TIUigb0vPv1+rLdb1+cgmAzmw"
    "tPggW0Z92evCblEj98pXKMTqlagAWlAFMV0MT02HGYYziZTP0kxMLsHZImTbBUipQH+GUo"
    "wPiie3t22UbXvfZ556YTHFMLh7+8KS4to8977dZlBuTzX06MWcbHIfc4ihNpP3L6VJqYxP"
    "YcbIw8C2T8CtCmCXXgQwa+2HRsgh0DVDt/21dZvtnE+tOaBNnBJs8yI+VHRy4pdCxk9VjI"
    "R9MdT6tlGkZIVEB828mcPlyW4VE3q6hzcehhilgX3KxPsGE6xlRWUFgpxjROqWNM68L2Mp"
    "HFUlM21uJ9il7BFXAgHC+10SeEEj5didsJUn2g15nPtekYtO/Te7sxz7ltairH6K7RqKYe"
    "22bzrWp2VpRWhpxn+KnDUPR877SI5tZNbNRycO636uy+z8u4b61ZqghWs6AGVjNd5s327q"
    "rgG47XVX0T2KbrAhFuzLHDRTRGGuHC4jQJyh0WpVlcOdiqNEGac1gTICtErwj6LHKNfwX8"
    "dVp0/oGjrvFCdgirpt9ESbR287x2I/HagG5TMv+wbuiWVWyiyyqm1vRgjfc65/2SGYieRV"
    "wDP6yf1tMSM7UfyqX11NMI80xWD+XGfxhdN9viPGxi+1tQV0eRBRqXCePdVldHK97eVUWo"
    "os1lVsdJPUtODKSRzUbrpuxgc3YG06gKkd+fdAMgfZUTqQTTts14clnlmPLCJVdszjMWC/"
    "z5NJMW4i4IQxaaEBsjU1ZRQzPzCXkcnyLiIm9uM9OCAcQ9EpkNIsuCTZBIx4gk8SJRBpOH"
    "CQ+xTJONP0Ekm/RlZghMC0MsmICMYWVxZI4dxrl8BD9CI89FoB+BJIEsBncpE3/LAVM8Ow"
    "3eZUDFyzDQMILHodETEqXW0OPUFDkc4g80xQ6gxxm6B2leJM2YMNtUpJ/AFD9xSTCgdyJT"
    "VzxnCkNeIfmW5D/ixSwLfqdImhEZKgGN+AEiueXfHnPNj+huHPxGGDKgDnuEX0thEJ6jR+"
    "IGrxMhj4LDXWLbyMET8UYsL+tk2RGMT83myTu/G9iqZtozcvdnsdT+0mweH79vvj5+9+Hk"
    "7fv3Jx9eL/SU9K0iheWs81noLEdRjfN5e27ArRQHCiyOCwoFbbqb78UsNmm1BR5SqKSE72"
    "SVR2M3xGdhpaCNCKGCJq8DMXGV8uLrInC6ZlkNDFzP1izbn9s+0JByJP6l/vSMzB/R2Dbr"
    "yY+0kRVG0LVExj+LvLg1z77D7JWz30LaOkuEje73q3bvFEmD9IC2Lr52rkBRs2YElL6vbe"
    "FOO0X+Uh/Qb532d/G38Dn6e2T/mbf/YoSuJNTECBUUahT242kZ5/AL3aqIqJYaty017q/S"
    "7aFCmlfqdt+CeKwEW5YsnqzRViCOp2vDlSv3tDTo/sSRg4Gv3JU2YGERn2OHMAu9GA5nwy"
    "GhnguTDIfT4ZB5jrCaD4fWcGg+vcwu9bS5qTM1hESJFjmf+NfIG99jN6Uz/B6NOs8era3Q"
    "tbNCLxlV1gq9pKizzrFqZHEZ1SFfc0h3p5eLv6LWsKRSUGU4EBWhlB00PHMriLRREl2tIK"
    "kijJ5cLLoxZZUTK/omxOmUwXXnvhvT9bjR/PGjwoKOEykD/UZrWwE+x6uAeqxBLQT17Sqg"
    "vtWgFoJ6sgqoJxrUbFBt+N10/JRGNL9qY4REl22MiYIb6ZVrutNKRTQXBPVghlKNi2Vsm5"
    "MZk5rPkBiRZsrGmbK0+2Ra6/MtAylC9cpZbaWvsK6IoSti1MmcX6YiRvaBsQF4K/V+qtlZ"
    "URbg1EFZuUHgNt0m0lmV4S0JnVj5ThLhB9JlR9QKTsIzM6vMYr4UsCBQrjBG86RUteyTgn"
    "LZJ6ko9fqXdWlsS7DdQVEX8wHWtWN4TqUlHKdST4o9eV0GahiVC7W8l1SsOX9k8PERWVOV"
    "HIpJQvUAb5YCvFkAeDMNOPdGi1czXJJXdLhEB4WsiXZ4vkwcjCueMY1PvXYbJgPKAb3udU"
    "9FQ6sBbV/1273rXucG7oF0hZ25Q/xOXvtX9Ag3QCIiD1k5Sc+UQFrS7bAAT/id1fV31HPC"
    "Kxa3m9L7S9U1mRPQMu7xuvUnWnPSF9Mc4DIoVTVA138pDdV+GmAfIlKiy6k5HjNvbag+E7"
    "flT6TqBnQwHJHEZc5TpDHs+qgp2RM2Jh9L+9peygwdIly7rjJ0iBiJDDbAJayuvDpMiuVY"
    "ZJUZmpK1W6grWWoophNacEYRULnXREqY5jv+XE+qYsUx5+sf4wKpG38mlYDatj9osbhy/E"
    "LRxVfsHzLia/75JBpRbykQFdFwiH+42KGmDdOInuLDoc3uCBUdvTmaYza3MeIYI+K+9Bt+"
    "T0G79JuXD4fi8cPhTzydTbOlZ2Sm1YjR4mbkKQ3A//dFrpkcoDPy9+n0CnlU1oQdjlcwI2"
    "bz1eCjC78CxgkyBaFunpyU8i+eFPgXT5Joy7OrCs4LAuU8jFvBV1uZ89FXy8qsaxnsMF5P"
    "J94fcOJ9VMnKURgiOtgz+kJU7ytV+hYWCLZ+JhSNRLlV7HyU9VXHjN0T+J/pOETUbg3GIc"
    "ekFpuhe/x0FNa0FXEI2MoservJuXWkW72EfmBT5diVKI1y8W6bL8k65s7Ed7pWATlOpaDg"
    "v3mg5ckJh3NWSHY+0HEq5eT/41JRWMcFUVjH6SgsMq+CsD9aOWS3cFJotepPqFbZJndB4M"
    "N0Bb4naTXnD4nz+MecwGwr8D1OqSDXD4TLISbabqLtJtpuspLd5DsefSOuaTcyjCaLe0dF"
    "FpNHPDJEnJJdoUIh0CCfBs2wyT1HNPR5IDLk7CceWjqQCKdCE+bAzTm8fnZJwjXmet4cEq"
    "swGBHzdG3BmtYWNN2KiUDuBg0p+z7nt58ANMPwCuMqCC8pFMS4jKM630+dclM/mLaXkavz"
    "yWZmzumxoEiAOxEkBwhvAZ4X3duzyza67rXPOzedoAjJQtKUN8WlZXpOr9261Cr+n1Hk33"
    "M5mbqxVteTUULP0vVkVKwnc6gIFxeU2b9WO2Xs/gLb5AE7mSHEySFHz+i4YrD4gWJ06UDi"
    "cHZELI5MW9hSRU9YatnYkl1gTeTgYFJsIZnxGNTY54jBIkurvJuZMjNMGDbNA7GCDkjBY2"
    "SosI4R2GOMQJQrpdXaCI0WYUqIMNHlXklejJGpCHWzjI4LowpK5KT0XAePMeC2ih6WIFVQ"
    "EVPM41ahUMI2JYIWfLXH0yxBILhT+P03l2N0mTlVPqxwcIfxoGXP+wiJgmf9VpIVxKaqgH"
    "AwXEF035Syx78psMe/Sdvj4YluptKaX8s6QrL7Stb7MWBurGb1Xj9mf/w/NXyfoA=="
)
