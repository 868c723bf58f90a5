from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "uptime_checks" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "hostname" VARCHAR(253) NOT NULL,
    "slot" TIMESTAMPTZ NOT NULL,
    "started_at" TIMESTAMPTZ,
    "ok" BOOL,
    "status_code" INT,
    "cause" VARCHAR(16),
    "error" TEXT,
    "duration_ms" INT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_uptime_chec_project_b3fd46" UNIQUE ("project_id", "hostname", "slot")
);
CREATE INDEX IF NOT EXISTS "idx_uptime_chec_project_afddda" ON "uptime_checks" ("project_id", "slot");
COMMENT ON TABLE "uptime_checks" IS 'One request to one production hostname for one check interval (``slot``).';
        CREATE TABLE IF NOT EXISTS "uptime_incidents" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "hostname" VARCHAR(253) NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "open_key" VARCHAR(280),
    "started_at" TIMESTAMPTZ NOT NULL,
    "ended_at" TIMESTAMPTZ,
    "cause" VARCHAR(16) NOT NULL,
    "detail" TEXT NOT NULL,
    "status_code" INT,
    "checks_failed" INT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_uptime_inci_project_b0f086" UNIQUE ("project_id", "open_key")
);
CREATE INDEX IF NOT EXISTS "idx_uptime_inci_project_e7b6e5" ON "uptime_incidents" ("project_id", "started_at");
COMMENT ON TABLE "uptime_incidents" IS 'A production hostname down (``kind`` ``down``: consecutive failed checks) or';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "uptime_incidents";
        DROP TABLE IF EXISTS "uptime_checks";"""


MODELS_STATE = (
    "eJztXWlz2zjS/isofZmkypNKfCQZZ2urZFuZ0Y5jeWU7eXdGWxQlQhbWFKAlSCva3fnvbw"
    "MkJd4mdVIYfEksEg2ST+PoC93/bUyYhW3+pmkTkzfO0X8b1Jxg+CN+4wg1zOl0eVlccM2B"
    "LVuaogn2Gw2465hDFy6PTJtjuGRhPnTI1CWMwlXq2ba4yIbQkNDH5SWPkn972HDZI3bH2I"
    "Ebv/8TLhNq4e+Yhz+nT8aIYNuKvSqxxLPldcOdT+W1NnU/y4biaQNjyGxvQpeNp3N3zOii"
    "NaGuuPqIKXZMF4vuXccTry/eLvjQ8Iv8N1028V8xQmPhkenZbuRzB8byWsMwbjr3xl3r3j"
    "AaFQAaMirAhVf1GfUoXuHH43enH04/nrw//QhN5Gsurnz4w3/0EhifUMJzc9/4Q943XdNv"
    "ITFegjpm3JV/p6C9HJtONrZRmgTC8OpJhEM86wvxxPxu2Jg+umOB69lJAaBfm93LX5rdV9"
    "DqtXgkg2ngT4+b4Naxf0+gvkT5Cb4sG+EW9SYS5Ta8k0mHOIV2SLsZpMMLS6iXM3h1rBu3"
    "3c7Vw+V9u3NzjqYOs7yhuNOjV63b684/vrRu7s+Rhac2m08wdXv0otu8ufzlHA0c+OZxj9"
    "4+XF8b3dbfH1p30HIKL/Cjg+GNObS9fLi773w5R0OPu2zSWIGn796XYOm797kcFbfiDPXf"
    "u8qkWVKsxMhgQmyZj6vOmbdvy8yZt2/z54y4F4d46GABh2G6aZiv4I5LJjgb6jhlAm4rIH"
    "0T/lGfWVQeffhAq0PteTAwCsC/b3+BKdX8ciseN+H837bEr3nfEneO5dV54uqr5ExYdIK+"
    "te9/QeIn+q1z05Lwwmbw6MgnLtvd/9YQ72R6LjMomxmmFVnUw6shajGue1NrRa7HKTXX68"
    "L1EKMI24O3X3J9uTUYWVJe/qqaIlRvcd385gUb9L/wMBvqXIE6TvSyYH0IE2oDsrXQVkZP"
    "maJ1gFga48/MweSR/ornKckvgWugnd0uezowiP8Ih1F4dTnbHHO2UPISowsQgO/Grj/5m3"
    "eXzatWI2fB2AC8V7HODmutKAtwaqGMYQxvgW5ABG/I8Twwh08z07GM2MAWd9gxS1xZtE3f"
    "mhxPkldMaj5KjMTHiFcPzQ/UtOcuGfJLz+HMaWRZKBJNjgptFWFjYyhbl7NaNH5hM7jlIB"
    "PZ7BFx5jlDjMYmRwOMKRLbL4A7xmhEbIxeEQoPfo1MasmLbDTi2EWEIuK+SWopG+y6B2pV"
    "mz6CagRvjSbsGXO4jGbEHUPvMBAsIu6YNvIlIkEmOoFvp9yUehn8NoHCIS7mPSpuOgw0Lm"
    "/Kj+DVkDtjaMacJ+xw+WbwCbIHDhxBNqHwwCHzqCsuThCDuSW/dw3Tjo9HlY1/SaGcBeL9"
    "aYkN//1p7oYvbhUbfeTwSqN9QR7z7Wkhye52/rfb3fZ/Oj4+Oflw/Pbk/cez0w8fzj6+Xe"
    "z/6VtFgsBF+2chC8S4ERrelpj7c7ga6EsajfpqqGt1Mp8haqmTKUF8z5LMnSmZlS/HyAYl"
    "pRgObUvKMPdyo7ZdEBpga8bIMuc/cPRMOHGZIySOMeafkC/6WWg2xr50AM0Q4QikCSctvG"
    "yozzUEBOgqewLnmAX85kWz9uCEhIL5KebcC1s+D0ZbafkqaF9nr8Ne5au6rTdf/dlYuOSE"
    "bUquOsEEL7nwNBcLwitTrglitQiWgdeICzUHNA8z4gYSmolJ0RhEecSEagQt04vPBvvNWI"
    "B+T5gSptghTE6HgTd88oWv4PmNfyZWq9+jJp4U4T8rObILZW+1fNk7EQHzV8Ilo8quhUsK"
    "BVfDd2Wsy/nG5ZRjdDFrqgjbSyoFBe3DFazT7rnn5Q5SdvZESBScPifHJebPyXHuBBK34j"
    "Noz76wesOtnWHaGaadYbVxhh0qwsXesAXIe1LppuSePWHayFLlwntHhSrclICSA81Kq26y"
    "NRqBtiQ0q8vrtvQ9NW/bn0C5sueIuBzxsXl89l5YdDjs59hCr/xnINPBCO78OCAucoCOTV"
    "5nqXFbeYaOJ65XPHHVWOLNxhHvew+NyyrHZaIioVW+tHKcioqU08EQZpAqKMeptMc0x2Ma"
    "FVfwiHyvZCRYUKg4lDcuduvo3nzoD9MxVya61za5a3h8Jb4naTfA+XrGctWd0aUMRfj7lE"
    "B3K/A5Tqm5XGcuw3R0qllOIhTabPKy2UTAtQGl/iHo5sDALavORwZVrRR5zyJu6xnT7ECQ"
    "5d2jQmVetDOwaFhSne9QjIZjkz5i4f7kMFJ+JPRIxnu6MjTDYd7jGJ2PPDo874sJDuNn+A"
    "Q4O/gNQPlMhpi/kc9942C4avXT+vy2HvKyQv97w49iFa3JVPwbEQmhbfR+OH+SLVxsypOE"
    "MGi0n7aeftolE8uqYEsKBVWwzeu4runAHPNBqoBygmx3UDcaOwF68x69ALFq3rwYkXIgb3"
    "40i3Ukje/f7jo3eSGCfvukgkGGLvofsgnfmjTa+IvYE+U5jIFHbJdQ/kY89q/bgr4AaoFP"
    "TNkIIX71pfl/SfQvrzsXSS1CdHCRYIW/KZcd6H5rPcJfHOHaZJYPvbomMxBqqsXbLAiUm1"
    "LHZ2XmFLQqSM2SloKka6Sq2ypOpRzSW3Fd5YaAFDlVlvG1qmF8+rEExKcfcxEWtxKxl3gE"
    "ynUVIWhJsZYYdDgW1q3IO+bIzbLS5cO+INCor466MOFUsz1HKFayPdcM8M2EcuzTmK8goA"
    "W2/NDmuKYt/z7o5rCwLWvKj8zRlwMfd+sdOVBE85wj+875cckoBdkOW78xihsZDpJ4g6Mi"
    "H4lFufEfaFU+3hGG2Q8cXd3cIUHnJ8Rogh52J5wUgWODL7wYpmwJ0ugzsbCDprb3SGhmjO"
    "Mm+hUZPvp9YOyIPPb7aMwATjQTPYnAybA1PKbf97GGRiZ/wpYMrnxFoLVJrR4Ftd/C1CUA"
    "wmtoII/ucmza0FBsqIgNhHD9SWQPofgZnm9j81m+nWjnFBzbXTpQxFf6elDydJyOu9xl3G"
    "U4KipqVwsaBT0mm1ewloO9AsoxIgVh3krCXH/xM/zVKo32Pf6es16kCJVAvMie2fq/+2Ld"
    "amHOvO7c/Bw2Typc2tSsTc2716hrx1yVNMC6gbsxFTBfX4m4g9kEHsHTaF8EhJ9/7WLbzA"
    "kYCc/CyU7UUQ3/2Ko+5zDa9TJPrYW3jop0uCE0Mhyv7Jk1EX8WpIhHE9PC6BXoPgMschWK"
    "n6+lLmQi0es54sMxtjyQCI5ksJprOiJR0WCOQB+zsmPbNtS3r8st2hhACdoa8ZWsh/tLNC"
    "HUczH0tmiDAAR4ms3oIzRj6NWNUNzkI3tU3Es84/UnUAThmutxYLmFhTZILbhmeY4c4MZE"
    "aogORrInD1RC20/7aFI+A71vyCaYHwEFdhz5ftycC41zLt4SyGagPFJB+srBIxGCf4TE7m"
    "0h5rm5x/Di2VFMVx49Cj8y+rcEpTi5SjR8T4fr1TJcL+RwaeUzaK+EfB7XiM7elQkhg1a5"
    "GpG8FxfJozOnLMZRGgVxPj4rcywNWhVonqmDafFVqaL2kyLWx1fqfHwFZBnPtDN2DcZsbN"
    "JsHi+JEswdANW25tTiym45etHpXMeYedFOWg8evly0wgxR0Ii4sf0iMq98oWUFk0KcUs+o"
    "Os+oiBhawYyQoNK+5PT0icjyFYBNUGlg08BKlaeKhXlBoEKpGW1Yrg0rFDYs6/JOOqPdYe"
    "4UBcZ8ndFOxYx2NVsrygJc7/JOPgd+YeypkeEdiNw9Kgzyku2MMTTUVajVil7SWeO2e/Rm"
    "5+WK643xVuoV68x8u8laIAGrHhiWpFNiWGv1vTasUFh91wqlVihrpu+UUSj3qetMcpJ+xX"
    "XRl3SdSemcX+uoOpuJtClI8LHB/fZl0SaSXSWRdIzQkWPCc72h68HPgCPBt/M3FM+MmBq9"
    "tXws2zEAFtR+c4N6d2mOtag3SS0qKd/crpMcQFMPWxXhb/z9ofXQujpHPnWPXjy0r6/aNz"
    "+fyzQ7oopxj161bq87/5AXfV7Lq91W8+of57LW8bxHW91up3uOpJ+nRy+bN5eta9HvUOAT"
    "SI/7t/L6+aFW5eqSeodsnTr4meBZVb7edjtXD5f37c7NuTj8Znlydvfobbf1td36Ji7Kfg"
    "V3v7auO7dfWjf3gr/P2GbTcK3dP8fk0socH+oV+ZbsY4fcW8a9VGHel+bNQ/P6HPnUPfqt"
    "dfFLp/PrOZrhgbDk9Wjz4b5zLtfqHv25fW/cPtz9co4eifvj1OPjcMoaPpU/aX8cB8bC/T"
    "PVr0NewNOciIc42Q7Z6AGAZtW1tTa+LRgWhudkhGzlQx0hUc97eFbKknVWYMk6S1uyhmwy"
    "AdD4OCOhXj7OcSr1oN5CQjcfsQnmHHSJFbCOUKqH91aG9s4N4bWGeCt28Ck82AhOz1SxFy"
    "XIdKxaRoYeuXcbIEuRUSa6+SmnMkh18qnVk08F8ltVb0+CTL0VZfObJPPcqecuBm5lyPPo"
    "NfYlcipjF+dkYS9IrBwl0mvM6mtMxBhZUeVJU6o32rciHkqbX75A/kJQuGry+M69y9LAGg"
    "qBWe79woNZWeT6iFaFI1oz5jzlpIDMX2tiRCqM+oQJq9Qy865gmXmXoYUKf4QhAh0MjuHx"
    "VsaZns8gr+csNtnkCexHgv7w0C8A+6rzcHHdQrfd1mX7rh1suIs4CXkzPsK7reZ15p66Ov"
    "Q59Br7Etjr4KH8NUfd4KHQ97oC2xOk+uRvnU/+LtzpKzA6Sas5XWdOyzCJFbgcpdMcrjOH"
    "fW12hdK9ETrN4TpzOIxlWkUYi5NqPteZz35Y7CpsjlNqLteZyzpAX1dEqS2g+sTDXo7Q69"
    "ooW66NEqn/ZROT4zVzDTdFJ+ogHRuLJjXtuUuG3HgmnLjMWRersL+vfncKTfuExTSSEnl1"
    "uCLplxUcXAKkdfN8L/zlAipVR5PNHjeG0zV7VBUmuDMakaHhMNv2pmsidu931pV9KToBZ3"
    "gA67pr2mti9Q0PvopuVBpYuzlpKletwtOm4bpW5sSpsVhRy2Xh7/clQb+PgNiZIzaSlcaW"
    "HcpKZc/YGWL7zb84o/1+dsr9VTvKTD4fTyGVyj+vq5XttVqZThavk8UrkCx+z4kt6434Zk"
    "7/FZiP9pclsG7Al7V3FKcJrE3mDKFdFIozgfpRSpoJ1Z5ywoyMORGFfPweEFAjm1D8KaiK"
    "ii0phETyc7wRDwCZxSaidqqol5Mt3Wys5zIZPeJTA3ity+bUs2yOcJ7B0jSZVvXPxQh1SF"
    "xd/HVlQuK4izPYXSCZBe21jFAmIYPrZFZZLII3pNhhGgbuWsxzGzsBuUwd5PwyyKkqyGLT"
    "SuObfzYmbK/E8N31mRitYWgNow7Aq6Fh+PVcs1SLRaXXAp1iWVJWpx5XxhTpc9WomoE8Qa"
    "Zc4ubjs5NS5rKTAnPZSVb2puoZWOJU6h0x3EoWFgdbxBHxQi6rgnWCTEGwtzGuF6j5hewq"
    "rNIZlDpuMB2I+YwdMiJDv5adzOReZVBnUysoD28+Awjhho9e5dP4CUp9EL/CQXyLimKYdE"
    "QePacy8GlijX1F7P/DKDYqF4ZMU6qwfe7a4MG5nbuNlsxYHethhzY9ymj4NqXz4950bloA"
    "PVD26G3rxs9XPcXUT1fdvruTKa0J5zKl9edmW6aiHpmkNomoBdyV50qMSE+TFXLlYMc18P"
    "cpSI98lUN8aXJ9xKvOR7xCWWoFXidINZ/rzGedJCV/I1PXI7wQHSuZeBNU2nCQlub1yVh9"
    "kLNmHrLKtZCDWb4BcC8ZpfBobP0W9HdYi0NpH2R8XaxVKeQWfSYOo8JB+tV0SAB0yh+Z1e"
    "yoyDmJlwTGc0CxBVdlrFbYE56L/yKP1scq9urLDBhS1i4eNFfQEL6VYP9n0/bwCpVnk3RK"
    "4L1re0d0kckc4i/bBRNd1JkNatU80+rsn0yd9abWilyPU2qu14XrGbar1DlwrWtrXbtmmm"
    "B9y0T/TNzmcMi87DLRkbtHRVqfCI0z/YYVzrhNscMZ/YEjIMWcI5fJc/bQGRrDkoBemUhG"
    "ybw+Qr7UikwXwTrhZh9sW6+7TCUzTF4l6LVOuVedUrIgU+LOxjVsX2fxekWt8rTMQZrT/J"
    "M0p6mjNCDkWiCrE9NeQa/MJFYC9p0707WWopi8qrWUPyPXy2gpu8/pWjvmblc/2W3i0bqB"
    "W1Yzycs8un+1JHASkuyUYvEGLyonw0XbkvpJEwU6GxqGzkqhUPT7DoaFQCT7nPf7oF/IpB"
    "kLFaPfF//BjcFcZBELKY3BPCvX2JaeUSYvRygdL59UMTOH1me0PlNffSYyrCtAHKdSEOit"
    "1CrVSotq4qtWWv6MXC+jtESljWrKSwaljhOtcZzowcteBZphdCzuTkOs2cgtqyBmTNwNBD"
    "KWcCN2KL5n8M/2nYh7HetbcyGupX+3qciknqd8R+4eFWneZNFOZ6s5vBX0qEB7xROT2FV0"
    "qwWBgmrV8VmZfAfQqiDKM5XxwGF5abNfjjAMaeuMdaPz7abVPUdsBm/To82rL+2bc2RaE0"
    "J79EtLnJI/RxM8GYi7ItZQ/Bahhv5mu/+QQhlLYIxNXimJUJxKuXRNm8/8oc0L+dAfpqJZ"
    "xrwgQnimq7E9QaqPGdfHnpDms5QQVzAnpOi0MSFtTHCxOakGa4RCu5hfNiS4mRmeKxsQ7o"
    "NuDgzcspprZFC9fMp0ObG1ZeYFXFNrYK0OmIb2mAzzQcRUk287COwd2zcc/L6YxhHPhHaG"
    "79ScUDXrrbLpbjfvChfRL55TyVYTIVEhJdYOfODVkwmvmUh4JVmgEeYW34FJbBu5hEcO/D"
    "FjzlMVoGNE6g3nzS8Ysj4UADiBrb1SpYcUoXpov3tbalyLZvmWxLfpkU2EKGvbq6CeQapx"
    "L4s789yp5xp+7uuK0WJZtOohv5XtEkas464y2FOE6gG+raFu4edVEE+QabzL4u0wtuLCkq"
    "bcoYi4G/FwK6sKZRYWud55EJdQWplM0Kk3xk/KlHY+ya/sfJIq7Dx12DOxsg7YFBTPjtDs"
    "cETbbGjauxnWmxfGlzl3qirxaUr1xvVWlhHpr/LLhxmYChiqVj7I6WGH5Q9CA9bBVj+Y4c"
    "GYsSeD46GD3RUOped2oMIs2PW5dEBQHPAH2J5wVsnYgrJCSULtp00Pdo5dF56XUWjib3ed"
    "mxxNKEKTDHEgQxf9D9mEb81l2/jLyKNyc5HlxOFN+Bvx2L9ua58twFNgVDzik4P7KB7HID"
    "pIjnjYPV3/vKix3Eizt9+Xw/FyOzukmiDNu7tvne7VOZqanM+YY/Xofav5BSZn4D3bf0Re"
    "DGeZlnAjHFv0pNm1NXYFL1k5nLKoDxV2+mSg8VmpQOOzgkDjswI2DOYCxBWkraI+VGCDTg"
    "RUG1YoHPSqz9SqxvUyZ2p1lOam9andp1aq2Xalw15rEJ5ZKex1t8mqajZc181VVSbUNWLf"
    "tYnJcYax5SIg/PxrF9tmjo4eAN0UnSg0eOMWcGrac5cMufFMZD6cdcEK+/vqd6cqbkMHvt"
    "3x6JpwXUI3XY+qilLgGBHW+TWBupI9/QIdqY2VKKOxEajCehxKQsVEdOu6MLEwRFZFiHJr"
    "c60OWE59MBXRc5htQyeGA3LH+gJE1++t63emKmZwZzQiQ0Ng503XhOze76wr+1IVMW8qLD"
    "TGcIyH626PD7KrS9GT4mgROiTW+pukD1g76ExVzGZ4YIi0PPaaaH3Dg6+iG5VwqnQgMn7G"
    "ahjLRpwNa5jS6mVwU+mN1dDo/6h4iDSxS2acJU3vo/lHSrN28HKVagJKFFAiNkJmmLz5CI"
    "0cNpE5mpfefbSU3EVKZxNRPBPVaLIr12yu+x7t0X6fuwAn7/cR4XBPBIKILvv9//YaU+wM"
    "gaoHj373408/HaFeg2Pgk8XFpZHNTBE7cgN9/QH0r8Qf5z0qni47RTOTuByNmIMAZ4c9m/"
    "brT8gcudiRr2ib4lnwSeKHeKnIixLeo0AyYTCK36DWM3bmaDg2KfQq31O8BRFfZ9rId2iI"
    "3Nfya1wML2NSCwXf1u8f9ShnyJ0xJM52YYfD06BHNGDuGJnWs7CTIfGWA+bAo3Nr/OgsYn"
    "s89itGtmHFVNPyx/pSpHXOdrXq4YQtZK1aEfAUoYa7BNz+SpzGuSCwb0FRj7A+8Txlwvok"
    "uBUW8kX73flZ39Z6LY9B6a6coHBBvMOQOsejVABUDd9G9+Hmpn3z8zkK6Hu0+a3ZvodLRv"
    "P2ttv52rw+R6YQi4RoGQpFPXrZ+XJ73bpvXZ2DYDOZCl+VBbQXna68JuUSP0CqchRYqWyT"
    "BckmUzn2RPfYcZhjOJlM/SzEwuwZkiZNsFSKlAe4MxRgfNV5uLhuodtu67J91w6WqUVIib"
    "wpLi3PN3RbzesMyKc/nRmTjM0hdzmKE+lIhfSqNDKJ7TnYGHgWyPgVoE0T6tCaDHyx6dgE"
    "Owaodv60rzJ8s4n11poE2cEmzzIj5cffLil0tG31aNuZ6Q7H1c6yRkhUQHzbx4V9uCzDo2"
    "5W2vDi4NYUsU7pWp9w1nQUs8zRsVIUc5xSRzHXhe1lYtelpmysxfsUvYIj4EA4Xmqijwgl"
    "fLwStxOkekGvM59rU5Nq36v3dqPqcwshVY4CX6MUUj2mzeaLIe0s7bE81JDhpw4PO+R7p8"
    "V5AV0mSS0H537zGu97vYz71o5LpVk7LsiydpxOJGh7j1XwDdvrvNEJbNOZpwg3ptjhIhoj"
    "jXBh+qME5Q7THi2uHGzeo+AgfZh1IitErwj6LHKNfwX89cH7/AVHXeOFrEFXTb+Jkmjt5m"
    "XtRuK1Ad2m5AnXuqFbVrGJDquYWtOFMd5tX96XPOPqWcQ18PP6MfFN0VPruVw8fD2NMC+c"
    "G6Pc+A+j657nuQzLJP8WZG5SZIDGZcJ4Pd/V0YoXEFYRqmj5otVxUs+SEwNpYLPBuofCsD"
    "m5gG5UhcivgLsBkL7IjlSCadtmPDmsckx54ZArNucZiwH+8jGTJuIuCEMWGhEbI1Pm6UMT"
    "c448js8RcZE3tZlpQQPiHomTDeKUBRshcRwjckwciUSrPDzwEDtpsvEniMMm9/JkCHQLTS"
    "zogAxhZHFkDh3GuXwEP0IDz0WgH4EkgSwGdykTv2WDMZ6cB+/So+JlGGgYwePQYI5EMj80"
    "G5viDIf4gcbYAfQ4Q08gzYtDMyb0NhbHT6CLH7gk6NFHcRZcPGcMTd4g+ZbkP+LFLAu+Ux"
    "yaESdUAhrxAeJwy7895pqf0OMw+EZo0qMOm8HXUmiEp2hG3OB1IuRRcLhLbBs5eCTeiOWd"
    "OlnWnONj8/jsvV9vblUz7QV5/LNYan86Pj45+XD89uT9x7PTDx/OPr5d6CnpW0UKy0X7Z6"
    "GzHEU1zpftuQG3UhwosDguKBS06W6+2reYpNUGeEihkhK+k1Eejd0Q28JKQRsRQgVNXgdi"
    "4irlxddpBnVWvBoYuF7Mirc/t32gIeVI/Ev96QWZP6KxbdaTHylULIyga4mMfxZ5cWuefY"
    "fZK59+C2nrLBE2Ot9uWt1zJA3SPdq8+tK+AUXNmhBQ+r60hDvtHPlDvUe/tlvfxG/hc/Tn"
    "yP5P3v6LEbqSUBMjVFCoUdiPp2Wcw0+lrCKiWmrcttS4v1zKhwppXjLlfQvisSR/WbJ4Mg"
    "tggTiezj5YLt3T0qD7A0cOBr5yV9qAhUV8ih3CLPSq35/0+4R6LnTS74/7feY5wmre71v9"
    "vjl/nZ3qaXNdZ2oIiRQtsj/x18AbPmE3pTP8Ho06z26trdC1s0IvGVXWCr2kqLPOsWpkcR"
    "nVIV9zSCoOweCvqDUsqRRUGQ5ERShlBw3X3AoibZREZytIqgiDuYtFva+sdGJFe0KcThlc"
    "d+67MV2PG8ffv1cY0HEiZaDfaG4rwOdkFVBPNKiFoJ6uAuqpBrUQ1LNVQD3ToGaDasN30+"
    "E8jWh+1sYIiU7bGBMFN1KN2XTHlZJoLgjqwQylSmPL2DYnMyY1nyExIs2UjTNlaffJtNbn"
    "WwZShOqls9pK5WqdEUNnxKiTOb9MRozsBWMD8FaqLlaztaIswKmFsnIJym26TaK1fjKcJo"
    "lSQPkuk1T5oZL1MXwLmQirl36MZaGKMWxc4mVkyQhxT3aNAGfsPJu28HVwm7n9fo6/ZCM9"
    "+1Ux2JNfEUPUtEAymaAM4jcpn2EHvYJexEkH+GCQ5PFr0dLBQ+ZY2PqE+v2h6XFRhYKbc9"
    "6js/EcmUgkjcVW8GD/x3lQsMIT5TdemTTsno3Q6du3QUWKZ4CRhJU6hCo2BE7Aiwpvj8Cf"
    "efDavsNnWVam3xevIfOmwk3x5hZ24Zk83xsUWUBDtMTfApZiV9CyhXb/1M79E2VlWTEvSq"
    "OgC+j47KSEjAet8pOii3vJ5DKsekR8QKOdQLV2AtUoR2k9xSEluOzXBU5sU0Xpc3yC1RLm"
    "HA4fN5guJyK+VLc/h1S6jkFGHiIhbVbZ4BcE2n7zsv1GCtFpdPPz6y8IVEC3aInfRnp9y3"
    "NkfoJqtU4SVHqR0MnK9CGHhjY+a+Nz/Wyj9U3HnCjpnWsajRb9ftE6Gis3XiazS5bV0mIz"
    "KmyUT8Dbfl+EdsOFfl9Ui6McDz2XPOOYgZG/Rix1tm6jnfeob6wUWVVcxhCgOkdn37+Lnv"
    "x6TaILYXnE1iP+gUNvHqDwOihRLK2ZgXIsLJRMGDgxjNzggiwmjGZjkX2GTTEN7bKhZZXw"
    "iO00Zgo9ShhCfdNo+ErCLOqbQvv9HhX2WZErRliFp5hNbSytt/IjDf+ToQP/zeW3xGAQlH"
    "wKMJQyqoqvMJ7w/AVj6tJkoE2q2qRa29V+ByZVsR5VwThsryC+m9dqF6tRBYCjNCrotokx"
    "/LFMznlolT+GP6ZzztfHdly3EX4gWlYp43EouFRlcpROuwfqzOEd21jrNlm3vR35InkVK+"
    "uSQgmAd21n1c6YbdlZo8pjBWhTdPqohTZhaxO2NmFrE7Y2YZc3YfPspIRhfpoCczXfSh7C"
    "hK2zkknzz2LP3FreQTzJFKrzlZYFgXI1747PyqSfhlYFFspUAur6V2xsNHaC7lbqNZrPMK"
    "4dw3MqDeE4lXpmyrO3ZaCGVrlQy3vJM7OczxhsPqIgQhW0U4TqAX5cCvDjAsCP04Bzb7B4"
    "NcMlWTnoyqWHzexoh+vLyMG44hrT+NxttaAzoOzR227nXHile7R1c9/q3nbbd3APi3M5U4"
    "f4FrT9m6cIN0AiIs9Z5QZeqG66pNthbc1wnz3YWGGt6uePdbVU/ZRKmq84RUSDKQEt4wmv"
    "W1quOSX3opsDHAZ5umpchNKlHctCFanLtB5SKp5vjiH1CEPKHPpBUetB9TNxm35Hqk5AB8"
    "MSSVzmzI1lTNr6qF0u+lJ0jHF5dH4vFUQPEa5dFxA9RIxEcQrARRQZXA8mxdKnx0AK6tGM"
    "yVRXEX2pvrGI6iagcq+JlDDNt/2+5qpixTHn6y/jAqk7vyeVgNq2P2gxuHL8QtHBV+wfMu"
    "Jj/uXTDKKUaiAqihj87y52qGlDNyLCv9+32SMREfomD6LvEccYEfc1YlTksgftMgz1F4/v"
    "93/g6cQvW3pGZji/aC1uRp7SAPx/X5SRkA10sa19Or1CHlUJzd+t0XRnpuvTjyUMoacfcw"
    "2h4lbiMHRk4FfAOEGmINTHZ2el/ItnBf7FsyTacu2qgvOCQDkP41bw1VbmfPTVsjLrMmU7"
    "DCXTNbXKBJHVtKZWVMnKURgiOtgL+kJU7ytz9pnDAMHWj4SigcNm0MMneep2yNgTgf9Mxw"
    "HVA5lBO+SY1GIT9ITnR8gvL45EHAK20lrChvvWkW71EvqBTZVjV6I0ysW7vS8T7vY+P9rt"
    "fSrYbcidke90rQJynEpBwX/zQMuVExbnrGzL+UDHqZST/09KRWGdFERhnaSjsMi0CsJ+a+"
    "WQ3cJKodWqP6FaZZvcBYEP0xX4nqTVnD8kzuPvUwK9rXL+PUapINcPhMshJtpuou0m2m6y"
    "kt3kGx58Ja5pNzKMJot7R0UWkxkeGCJOya5QSwNokE+DJtjknoORCRdkyNkPPLR0IBFOJZ"
    "OcmWgKr59dPWONvl42h8SSnEXEPJ3krJ5JzkRRvCrKUdheQQ1/KweAJhheYVgF4SWFghiX"
    "cVTn+6lTbupn0/Yyzup8tpmZs3osKBLgjgTJAcJbgOdV5+HiuoVuu63L9l07qC+4kDTlTX"
    "FpeTyn22peaxX/zyjy77lSZN1Yq0tFKqFn6VQnKpaKPFSEi2tF7l+rHTP2dIVt8oydzBDi"
    "ZJOjF3Rc0Vh8oGhdOpA47B0RiyPTFrbUORqb1LKxdYQ4A2XUwUGn2ELyxCPykeWIwSBLq7"
    "yb6TIv6/czsXwrTNDDXIYK6xiBPcYIRLlSWq2N0GgRplQiz+VwryQvxshUhPq4jI4LrQpS"
    "5KT0XAcPMeC2ih6WIFVQEVPM41YhUcI2JYIm7NrDcZYgENwp3P/NZRudZk6VjRUW7jAetO"
    "x6HyFRcK3fymEFMakqIBw0VxDdd6Xs8e8K7PHv0vZ4eKKbqbT+7a5zk2PJXJIkd08ydNH/"
    "kE34ASuuWeAKMGJbZCoVeTLreGLvEx1cZFlndrmZ/fH/28CE8g=="
)
