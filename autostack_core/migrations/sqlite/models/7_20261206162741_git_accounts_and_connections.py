from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Edited by hand: the two INSERTs carry the GitHub tokens (sealed text as is) and the
    # connections recorded so far over to the host-neutral tables.
    return """
        CREATE TABLE IF NOT EXISTS "git_accounts" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "host" VARCHAR(48) NOT NULL,
    "credential_sealed" TEXT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_git_account_user_id_ae87d6" UNIQUE ("user_id", "host")
) /* One person's access to one git host (a token), sealed at rest. */;
        CREATE TABLE IF NOT EXISTS "git_connections" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "host" VARCHAR(48) NOT NULL,
    "repository" VARCHAR(500) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "connected_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    "project_id" INT NOT NULL UNIQUE REFERENCES "projects" ("id") ON DELETE CASCADE
) /* A project connected to ``repository`` on the git host ``host`` by ``connected_by``. */;
CREATE INDEX IF NOT EXISTS "idx_git_connect_host_ce135b" ON "git_connections" ("host", "repository");
INSERT INTO "git_accounts" ("user_id", "host", "credential_sealed", "created_at", "updated_at")
    SELECT "id", 'github', "github_token_sealed", "created_at", "created_at" FROM "users"
    WHERE "github_token_sealed" IS NOT NULL;
INSERT INTO "git_connections" ("project_id", "host", "repository", "connected_by_id",
                               "created_at", "updated_at")
    SELECT "id", 'github', "github_repo", "git_connected_by_id", "updated_at", "updated_at"
    FROM "projects" WHERE "github_repo" IS NOT NULL;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "git_connections";
        DROP TABLE IF EXISTS "git_accounts";"""


MODELS_STATE = (
    "eJztXetz27gR/1cw+nK5GSeTyHaS83U6I9tKop4tubJ8196pQ1MiLKGmAB0B2nHb/O8F+J"
    "D4FkmJFIXgS2KRWJD8LR67i338t7UgBjTpm46JdNo6A/9tYX0B+R/hG0egpS+X68viAtMn"
    "ptNSF02g22hCmaVPGb/8oJsU8ksGpFMLLRkimF/FtmmKi2TKGyI8W1+yMfrThhojM8jm0O"
    "I3/vgXv4ywAb9C6v9cPmoPCJpG6FWRIZ7tXNfYy9K51sPsk9NQPG2iTYlpL/C68fKFzQle"
    "tUaYiasziKGlMyi6Z5YtXl+8nfeh/he5b7pu4r5igMaAD7ptssDnTrT1tZam9Qcj7bY70r"
    "RWAYCmBAtw+au6jJqJV3jdfnfy4eTj8fuTj7yJ85qrKx++uY9eA+MSOvD0R61vzn2d6W4L"
    "B+M1qHNCmfN3DNqLuW4lYxukiSDMXz2KsI9ncyFe6F81E+IZmwtcT48zAP21M7z40hm+4q"
    "1+FI8kfBq406Pv3Wq79wTqa5Qf+ZclI9zF9sJBucffScdTGEPbp90N0v6FNdTrGVwe69bN"
    "cHB5dzHqDfpnYGkRw56KO2N82b25GvzzutsfnQEDLk3ysoCYjfH5sNO/+HIGJhb/5vkY39"
    "xdXWnD7t/vure85ZK/wGsL8jemvO3F3e1ocH0GpjZlZNEqwdN373Ow9N37VI6KW2GGuu9d"
    "ZNKsKUox0psQFfOx7Jx5+zbPnHn7Nn3OiHthiKcWFHBoOovDfMnvMLSAyVCHKSNwGx7pG/"
    "+P5syi/OjzDzQG2HzxBkYG+KPeNZ9Snesb8bgFpX+aDn6dUVfcaTtXXyJXX0VnwqoT8Ftv"
    "9AWIn+D3Qb/rwMs3g5nlPHHdbvR7S7yTbjOiYfKs6UZgUfev+qiFuG4vjZJcD1MqrjeF6z"
    "5GAbZ7b7/m+npr0JKkvPRVNUYo3+K6+82Lb9D/htNkqFMF6jDRZsH6ECbUDmRroa08PCaK"
    "1h5icYw/EQuiGf4FvsQkvwiunnZ2s+7pwCD+5g8j/+p6tln680rJi4wujgD/bsjcyd+5ve"
    "hcdlspC8YO4L0MdXZYa0VegGMLZQhj/hagz0XwljOeJ/r08Vm3DC00sMUd0iaRK6u28VuL"
    "9iJ6Rcf6zMFIfIx4dd/8gHXzhaEp7T5B5xPiBopwi6NMS4XfVoOiccNMFudo9r1YLX5qt4"
    "+PP7TfHr//eHry4cPpx7erJTZ+K2utPe99FsttaIfbbNtwuO/CmChSbNa9wz00WgNfKc8r"
    "vbk7HA6GZwBaFrHG+Lo7GvYuzsACctZNm6FFL3VWSIf229fHiFarFhmPq785NehMFTqmQ/"
    "NhzWzKETQSpkDqKhShKiXrNWyb3I0ZdQ0sV32W/Al8V+C6pLagCVKISfQUfJOIIyA/COrD"
    "gzkDw8vB3flVF9wMuxe9296gH9ZBnZviEr+AXJlk2O1cRVC3KbQ0LkEkSX3pq0aYSrq14z"
    "TX0nGasXKcJhjfiI2Z9VIE5gCJfEp4O8/qnL40R+EVE5+vsotlUSNXiFBCG9fh2rTipsw9"
    "G7WaxtoqhMkM68v+LARNA343JoKVGWbPFoIhMU172coyEXhNjvLZCCyndT4jQesGWq89W9"
    "URWPIfc2JbQJ/xdWPGRwQF5AGwOQTQmMEfKNCnU0gpMMnsTVTj2rKrBKPEH0GLY3j4T+zp"
    "I2Stfym7xSHYLTxuFRQN1lRKLmi0XOAZaBJ0xtT5FSSp7+jlbbWzbGfKuGPhKgLnmkCBGQ"
    "Vz8sL3Ho0myk1ZW0CYThpca9kK1ug/IYpYscEcJJEG9p0NZ/1ppq3sbQXtdAm0Jc10jYK4"
    "YiPd8qfT0ogn0CrENyKuvGeU98xhHqko7xnlPXMIADfce2aJRuQR4laSUcy/d5RpDVsijY"
    "lmOc1gHeC0Bg/EcmxUF1c9oGMDdG56PwOCzReAGAV0rrdP3wPE/+ICKjTAK/cZQLcg4Hde"
    "TxADFqcjix/j9rGKnqECkJoVgFQ0+Gi3gUf73kPDsko7z0kub5UurbRjJ7nOdNDmOi3kaR"
    "Omki7I6/1JDqDfn6TiLG5FpUL4gL4WgXhNIeNQ3rnYrcKB0qE/zMCQPOFApk6ZZtNSfI/S"
    "7oDzzRRfm87oXKci8OsS8e5K8DlMqbjcZC47vniF5OgAhTKbbDabCLh2oNTfed0cGLh59f"
    "nAoGqUk4ttIJYeArO+e5SpzIt2dYW+/NHSnVB/8SDk+NwExC3eNnjfH5vBFsoFpZEuKGum"
    "5VVn1hQSqjO71xeZbvE5lRGclKKXh8mkc2Y/zuNofZzuaX0cd7V2ESt2MBYikg7k3Y9msY"
    "7E8f3b7aCfcvDotY8K62jKwP+AiWhlkl3rLw82dpYqMLGRyRCmb8Rj/1oV9BlQC3xCgrsP"
    "8avrzj+i6F9cDc6jErno4DzCCpQQU5A+0FFSIIEa4fERrsxP6dDLa35iUF8UU1cDFCpuMu"
    "6OVb/+LyGgGeq/GH47UP9HXjeHhW1e7T8wRzf7StRrUDlQRNPsKfv2jLggGMMpR/t3gmEr"
    "waYSbnCUZVYxMNX+w1vld5Hgw+wHCi77t0DQATbXGejw7eaW8Y8D07mOZ5DyyxaxZ3OgOy"
    "2XFnlCBrTA0rRnCCe6Reyi3zEe4/t7ztgHNLu/B3PC4QTPoifha+G35o+5v3ex5o10+ggN"
    "xx/jFeKtdWyMMZduDIgZ4iD8yBsA8UIU6iZvKKRTQCbCM+lngBjA8Ik/34T6k/N2op3Fr6"
    "SHM/mLmfhKzWHcVgFM34vpqDJXDX9UFFEwgjQSGoZOPuZQNE4+pioa4lZYQloP9gIoh4gk"
    "hLmSpLzu4qe5q1Uc7RH8mrJexAilQDxLbev+Y5RtqFhpbVeD/me/edR6oTRqpVHXr1E3jr"
    "kyaYBNA3dnKmC6vhKwepMFf0RChNO5R/jplyE09ZRzMd993ulEHtXwW5X6nBtr8IWQx1aC"
    "Mhe4e5SpyTnttDlv2LDckEpFUd7ku5KZK/Emr73uQbMxrqTwgfLYr8cDwwGsuPYXpZNiWC"
    "vlrzGskFj5U6HTKnS6YYpgntDp/ZxdBeKqU3WdxUZn4HXkch2+wIGRV9rJN8NZaYf77WbR"
    "JuApJhY1Kg7X+MtY8A3CD5bOn2tPmc1/ehzxvp2+wfBZCwWMV+ZbVk3MXbp2JRKDl86lvy"
    "Ku0duMN7WhURD+1t/vunfdyzPgUo/x+V3v6rLX/3zmuAwanCN+YTvnostr5+qw27n8p0jB"
    "rxsv0QT8F53+RfdK9DsV+HjS4/4DKxHV1hX7EmxZhJhQxykzMkob4e2EE1fF3NWVesXh88"
    "HgKiRunfei8u7d9XmXM8HhwTpxT9wZylkiiZXhBL55VkX7qHFy8Z3L1s2ik+u607/rXJ0B"
    "l3qMf+uefxkMfjkDz3AiLHJj3LkbDc6cNXeMP/dG2s3d7ZczMEPs9dKmc3/qaS6VO/lezz"
    "2j3/6nEyW2NYWFHfsjZDWy0eYA6kXXyD1vUWu4+bDQbMssAnWARL58VxVVA1gsOGh0nuDk"
    "n1UQIEglH9QVOJm7iC0gpVwnKIF1gFI+vCsZ2qqQb+X2bFHNWfMyGBex+0TIlPd3gju9s3"
    "drXJZCD4nopodgJZBuFY3VMKTrDrvy5LeipzYRMvlWlN1vksRmS5utBm5hyNPoFfY54jwh"
    "gyl2goxgzyCRWmPKrzEBo2JBlSdOKd9or0Q8dGx36QJ5+ilxjFAGwGs/JXYMpb4QmHRMn2"
    "mdTCJXBsoCBspnYj2mxGumrzUhIhlGfcSElWuZeZexzLxL0ELFuYJbDpRC/nijWNr8ZHJV"
    "UjR37vzy0KfQK+xzYK+cgNLXHHmdgPwz1BJsj5CqVI9NTvW4OhYvwegoreJ0kzntuDuU4H"
    "KQTnG4yRx2tdkSqXkDdIrDTeaw75NURhgLkyo+N5nPrntrGTaHKRWXm8xl5Wiv0pc1FlAV"
    "ubCXom8qkVnFicwC2bNNpFO4ZWKAjuhEHqRDY1HHuvnC0JQG0tRvgZTf2yo5viRTPgUzi5"
    "imvdwVaEOnN0kHmklm2+bnWB2dX5GZTGOrntg1AVpm+JqHap4INs3n5ubsiwMM3WAdQCwv"
    "RgBwamAiDH/2kg9Cw0lvGIiQeyMecH/PW4kUhXNowXj+xZ32nCemLlysle9NqmZGM2tmCL"
    "WXS0+LhATs2Zp1iFAdZjVF085zmEUZLJRv328vRdKIykOpmJWYzCwLXp+ixgAqygxis1Yt"
    "IOdJN5qebTSWbFRsWnF8073a/PZSDN+6vdliRcRLeG/WXZHmwFaPDNPS/mreNw34vLaQ7K"
    "L3+86O4aZNTFItVgkVM3SKdeZGlfzvoIzHWQK4y9XCybMjZNKlTqskebYIoi4eOxmmks85"
    "uJL4SQsayBKWfkaKYB0hkxDsKsb1CjWRrsZOsB2mrtIJlOrEL36E+gQt9ICmjtVVc3IpFh"
    "nUydQSysO7j91DVHPRKxxHE6FUITQFQmhE1SC3XoRtFQY+TqywL4i9UxnFcUMsYueIU8qw"
    "fdZt8KDUTN1Gc+aMC/VQo00Pe+XACrCh1R/0uxx6TjnGN92+mzFuCbGbMK53e+sklUOUOk"
    "nlPnV6TjK4Bx01JhWcgLvwXAkRqWlSIsoVWkyDX5dceqRl3G/j5Mo5s8nOmb4sVYLXEVLF"
    "5ybzWYU3pm9k8p4Ir0THQibeCJUyHMSleeXTrlywG3ZCVtQF25/lOwA3Vrj4sBaH3GeQ4X"
    "WxUcWlu/gJWQSLA9JfdQt5QMfOI5OaHWUdTsI1gfbkUVRwVBnK1v8IX8R/gUerWst7Pcv0"
    "GJLXLu41l9AQ3j7NY+bgrTJOeWKGjifdtGGJ2k9ROinwrtveEVxkEof4ZrtgpIsms6F1Mx"
    "xc3l2MeoP+GVgXSxjjm2H31173N3ERPiH4LBLb/9q9Gtxcd/sjkdj+CZpk6X/i/o2DSp1N"
    "h15eddZeGiW5HqZUXG8K1xNsV7GwKaVrK127YZpgcwu1fUasM50SO7lQW+DuUZbWJ1zjdL"
    "dhgRi3JbQowT9QwEkhpYARwLVlUSwHzPmSAF7pwPGS+fEIuFIr0Bng6wRLDmzbrrtEJdMP"
    "Oxf0Sqfcq07psCBR4k7G1W/fZPG6pFZ5kieQ5iQ9kuYkFkrDhVyDy+pIN0volYnEUsBe+2"
    "G60lIkk1eVlvI9cj2PllJ/NqbGMbda/aTelEFNA3fbnEH7V0u8Q0L3u5M0k0CDjcrJdNU2"
    "p37SAZ7OBqb+YaVQKO7vLcgXAsSI9XJ/z/ULJ2nGSsW4vxf/8RuTF/73ilKb8MZxpaWiZ+"
    "TJy+FLx+snFczMofQZpc80V58JDOsCEIepJAS6mvqqSmmRTHxVSsv3yPU8SktQ2iimvCRQ"
    "Kj/RBvuJHrzslaEZBsdifRpiw0ZuXgUxYeLuwJExxzHiAMMR4f9Uf4i417Fe2RHiVvp3Dz"
    "8hpqcp34G7R1maN1q1U9lqDm8FPcrQXuFCR4WKuK4IJFSr2qd58h3wVhlenrGMBxYxUxIB"
    "bfYw9GmbjHVr8Fu/OzwD5Jm/zRh3Lq97/TOgGwuEx/i6K6Lkz8ACLibirvA1FL+Fq6G72e"
    "7fpdDxJShcwDtMJV26pt1n/lDmhXToD1PRzGNeEC48y3Jsj5CqMOPm2BPifHYkxBLmhBid"
    "MibEjQkM6otisAYo1BHzZkMCS8zwXNiAMPK6OTBw82qugUG1Ocp0PbGVZWYDrrE1sFEBpr"
    "49JsF8EDDVpNsOPHtH9YaDP1bTOHAyoQ7DazUnFM16K226290fhc8Qm9sTTZxtF0E4QiZD"
    "aqwazsKFq5FtFTKMBUgUyLlALp65ecuszaUEr5afyL0G+2MViZsfLP7HM7EeiwAdIpJvOO"
    "9+dXaKcXEAF1yOKlRWI0YoH9rv3uYa16JZutn2bXxkI6E3mGYZ1BNIFe55cSc2W9pMcxON"
    "F3TNS6KVD/lKtks+Yi1WZrDHCOUDvKqhbsCnMohHyBTeefG2CCm5sMQpaxQR6xEPK1lVMD"
    "GgSKxPPSeQ3Jp7hE6+MX7czoH2cTsVbHEr5hT4hIykaKZ0nIM0NY5ok0x1s55hvXthfJ3g"
    "qKgSH6eUb1xXsow4h4NurTYNYgFD0TITKT3UWGvCtxYebKmJZziZE/KoUTi1ICuRASC1Ax"
    "lmQd1JADiCIpsCh+0RJtXnzajhFCVUh+LxwU4hY/x5CVU9/nY76KdoQgGaqD8JmjLwP2Ai"
    "Wtn5eOsvDzZ2Nhendjt/E/pGPPavVe2zGXgKjLJHfHRwH4WdRkQHKu2FcvFSEWTycT1PBF"
    "kgGL+E21cKtdrnlPNX9YjWn7FFwiGqvOnq9KarNwdOw4brtilw1h50WRuYgncDvCl7dmFn"
    "xYDRyEQ6hQka3LlH+OmXITRX8YnJoHdEJxKtE2GzGtbNF4amVLOIadrLbbHyuxs6vcmKmm"
    "dFFKasLQG7dHr6wjuSGyuR4H8nUPmVAqSEighXsG1hIr4/mYwQpVYNKg9YSuUiWdAr5Lqf"
    "KL0kHtz6CPvJFzbjHEvEJ4cU861guIOjdSTEOvjaSHqggxDoVXoEFc9Q70l9fS4/7VweP+"
    "0Mh5923KfNtGdF8PXbq3iRCLZxJwhENbeQgp7gAZF5Eh+hrPEEfnXlYI/g1RFY+oA/zMOQ"
    "PEdgTu6TYiblIImy0m82Kjt41Wejaxq6eY10wWEVsswN+Rgf9i5GOS1ztsEVDPi0vVmgI3"
    "rqPuUzCxyKTpFUTnlLnIqWUj6UARpPCrDOI1cerXDiOhmhCobNl8dJvops4ag7k0y2REjo"
    "9ee8G1khcjOv7QCka6cjmWCqMmvGalilmJL8IZdtTtJWAzxPoQvKuDBkgAdkQqADQQ8W+g"
    "uwKTwDiAF7aRLd4A0QOwLEcmrqkQf+i4LAIQAQPqeUX00qc7HjJ4zxGI/m0O2WNzF4B2jK"
    "R5Yo/WcRUfpP2NSOwMRmQFQn488wCL+LifjtNJjDxZn3LmMsXoZwDcN7nKisITL0gee5zs"
    "QL8h9gDi2OHiXgkUvz/MuAznvjF50ufqAOwRjPhKVfPGfOm7wBzlui/4gXMwz+naK8hyjm"
    "4dGID+DjAPxpE6b/DGZT7xt5kzG2yDP/WswbwSV4Rsx7nQB5EBzKkGkCCz6INyLpFQ19Jw"
    "s619un77eraXiOZt+LpfCndvv4+EP77fH7j6cnHz6cfny70lPit7IUlvPeZ6GzHAU1zs32"
    "RI9bMQ5kWLxWFBLaFHefZVJM0mID3KeQSQmvZZQHI5PFtlDC5hUilNDkdSAmrgR/37iNS/"
    "mhKrfJBhi4NrpN7idLXkBDSpH41/rTBpk/oLHt9iQ5kCBPGEFVGex9niyrtPANTwv/b4Jw"
    "KaEmRCihUCPxOZ6ScQ4/1kZGRJXUKG+wzaFC2tCC0w7qCSK4z4104Vt8kPLflEvK3nd5qw"
    "Z5GFZS3Kr5/rE15WarxDtWf+Lj2iqawypMJUPmnhryVy11Sp8J33yK1gGLEcoHeCVpqb28"
    "9EWPI0NkO4nFb8L+V/N5jQeiW8KueJawFHIZBn6WLaOKHGHUnqzeU2MoLTXkZpNgYkc17r"
    "IPFvRfKreF8NOw2+WdccoxvhkOzsDSImPc7Y+6w5th75bfg5hBa2khCpthE0RU43oBeko6"
    "Yt4QUbGmUxkNVTiFMsNGzbAxE1cuN/UlcrehbZ3Ul2gkujnAYZAvjYRy5292PoRDREqEoO"
    "vTKbG3huozYh23I1knoCi/RZHITB+I2t8eNSkD9sNJXjHT9hM1cohwhbNC1BY7cohQ1R1f"
    "c4gYCd8Njouf12K7+BFZl3bPXWuOtk3OJWeQTXg1p3T7dUmc5N26PckEVNWHoj5kKWejAU"
    "Szj0i1IBdzhSWhGV9GXiMMJiIUBlo/O7EvU0IeEf9Ptywk4mq8dsDSsUEW4BG+HPnxRsK0"
    "Do3EgKRd9q0Ob5t1eMvZVPg4Jkgj3RHu7sNlptR6cC0oRUAOUzXZC7UxQDsrJ1+ccYIhMx"
    "3oMJV0h+bHuQ4WjzMOFo8TqoImlFrJKASaVF/l8JGtYKVQlvjvxBIf5LqpU1EGCuISfI/S"
    "Ks4fEufh1yXivZXge5hSQq4fCJd9TLKL9yj//Gr985Uz+QE7k//m1kO8hCZ6gtZLK8F2Em"
    "1ylGU/8esrGm5rBHMaUfzeATIo0E2x64jMJtgwoeHkMtGBBb1OoQGcg14vqwgFhA+suO1k"
    "N10mRpkGS9Z6PTjFIlTA6T6tKYdTfLg2NX/3DmLB4V4A5wiZjFC38yQ45q0y/ONjKY4tOI"
    "UctzJKaYRUQilVMt2kgH9YlRJBh+/a03mSIODdydz/9XUbFWMmy8bKF27/5Czveh8gkXCt"
    "b5+e5oo0O82INDuNxUItC9l1veYSovsul9H8XYbR/F3caM6fyBLPJtJraQdI6i+lvR/rzs"
    "6KZu91M/v2f1AGYUY="
)
