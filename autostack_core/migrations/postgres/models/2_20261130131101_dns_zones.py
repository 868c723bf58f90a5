from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "dns_zones" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "provider" VARCHAR(48) NOT NULL,
    "zone_name" VARCHAR(253) NOT NULL,
    "config_sealed" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "team_id" INT NOT NULL REFERENCES "teams" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_dns_zones_team_id_6957f9" UNIQUE ("team_id", "zone_name")
);
COMMENT ON TABLE "dns_zones" IS 'A team''s DNS zone that AutoStack changes through a DNS provider plugin.';
        ALTER TABLE "domains" ADD "dns_zone_error" TEXT;
        ALTER TABLE "domains" ADD "dns_zone_id" INT;
        ALTER TABLE "domains" ADD CONSTRAINT "fk_domains_dns_zone_1eb16686" FOREIGN KEY ("dns_zone_id") REFERENCES "dns_zones" ("id") ON DELETE SET NULL;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "domains" DROP CONSTRAINT IF EXISTS "fk_domains_dns_zone_1eb16686";
        ALTER TABLE "domains" DROP COLUMN "dns_zone_error";
        ALTER TABLE "domains" DROP COLUMN "dns_zone_id";
        DROP TABLE IF EXISTS "dns_zones";"""


MODELS_STATE = (
    "eJztXe1zmzga/1c0/nLdmbSTOknbze7cjJPQ1reJnXOc7d1edig2iq0LFhwCp77b/u8n8W"
    "LeMRCDQatPTUGPwL9HSM/787/eSlehRt4MNKSQ3jn4Xw8rK0j/iN44Aj3FMILL7IKlzDRn"
    "pMKGQHfQjFimMrfo5UdFI5BeUiGZm8iwkI7pVWxrGruoz+lAhBfBJRuj/9hQtvQFtJbQpD"
    "f+9Tu9jLAKv0Hi/9d4kh8R1NTIqyKVPdu5Llsbw7k2xNZHZyB72kye65q9wsFgY2Mtdbwd"
    "jbDFri4ghqZiQTa9Zdrs9dnbeT/U/0XumwZD3FcM0ajwUbE1K/RzZ3JwrSfLo/FUvpOmst"
    "wrAdBcxwxc+qouoxbsFV73356+P/1w8u70Ax3ivOb2yvvv7qMDYFxCB57RtPfdua9YijvC"
    "wTgAdakTy/k7Ae3lUjHTsQ3TxBCmrx5H2MezvRCvlG+yBvHCWjJcz05yAP11MLn8PJi8oq"
    "N+YI/U6Wfgfh4j71bfvcdQD1B+or8sHWEJ2ysH5SF9JwXPYQJtn3Y/SPsXAqiDL7g61r3b"
    "yfjq/nI6HI/OgWHqqj1ndx7wlXR7Pf7njTSangMVGpq+WUFsPeCLyWB0+fkczEz6m5cP+P"
    "b++lqeSH+/l+7oSIO+wGsT0jcmdOzl/d10fHMO5jax9FWvAk/fvivA0rfvMjnKbkUZ6r53"
    "mY8moKjESO+DqJmPVb+Z4+Mi38zxcfY3w+5FIZ6bkMEhK1YS5it6x0IrmA51lDIGt+qRvv"
    "H/aM9XVBx9+gPVMdY23sLIAX86vKGf1ODmlj1uRch/NAe/wVRid/rO1U3s6qv4l7CdBHwZ"
    "Tj8D9l/w23gkOfDSw2BhOk8Mxk1/67F3UmxLl7H+LCtqaFP3r/qoRbhuG2pFrkcpBdfbwn"
    "UfoxDbvbcPuB4cDXKalJe9qyYI+dtc93940QP633CeDnWmQB0l2i1Yd+GD2oNszbSVx6dU"
    "0dpDLInxR92EaIF/gZuE5BfD1dPOboOZOgbxd38Z+VeDr81UnrdKXmx1UQTo74aW+/EP7i"
    "4HV1IvY8PYA7xXkcm6tVcUBTixUUYwpm8BRlQE7znreabMn54VU5UjC5vd0ft67Mp2bPLW"
    "qr+KX1GwsnAwYj+GvbpvfsCKtrHQnEhr6PyEpIEiOuIo11Lhj5UhG9wyk8UFWvxZrBY/9v"
    "snJ+/7xyfvPpydvn9/9uF4u8Umb+XttRfDT2y7jZxwu20bDvddGFNFit26d3SGVmvgW+V5"
    "qzdLk8l4cg6gaermA76RppPh5TlYQcq6eTu0aEOxSunQ/vjmGNHrNSLjUfW3oAadq0IndG"
    "i6rC2bUATVlE8gcxeKUVWS9Vp2TO7HjBoAS1Ufgz6BngpUl5RXJEUK0XQlA9804hjIj4y6"
    "ezDnYHg1vr+4lsDtRLoc3g3Ho6gO6txkl+gF5MokE2lwHUPdJtCUqQSRJvVl7xpRKu72jr"
    "NCW8dZzs5xlmJ8021smZsyMIdI+FPC+0V25+ytOQ4v+/DpLrsyyhq5IoQc2ri6a9NKmjIP"
    "bNRqG2vrECZzrC+HsxC0Dfj9mAi2ZpgDWwgmuqbZRi/PROANOSpmIzCd0cWMBL1baL72bF"
    "VHwKD/Weq2CZQF3TcWdEUQoD8CawkBVBfwLwQo8zkkBGj64k1c43rhVClGiX+FLY7R5T+z"
    "50/Q6v0u7BZdsFt43CopGgRUQi5otVzgGWhSdMbM7ytM0pzr5bjer2xvyrhj4SoDZ0AgwI"
    "yDOdvQs0cmqXJT3hEQpeMG10aOggD9NSLIKreYwyTcwL635aysF/LW3lbSTpdCW9FM1yqI"
    "azbSGT+eVUY8hVYgvhNxET0jome66VIR0TMieqYLALc8esZAU/0J4l6aUcy/d5RrDTOQbL"
    "FhBc1gA+CMBo+66dioLq+HQMEqGNwOfwI61jYAWQSQpdI/ewcQ/YsKqFAFr9xnAMWEgN55"
    "PUMWMCmdvvohaR+r6RkiAaldCUhlk4/2m3h06DM0Kqv0i3hy6ahsaaWf8OQ6n4O8VEipSJ"
    "soFXdJXu9OCwD97jQTZ3YrLhXCR/StDMQBBY9Lee9it0gHyoa+m4khRdKBNIVYsk0q8T1O"
    "uwfOt1N8bTujC3lF4DcD0ekq8DlKKbjcZi47sXil5OgQhTCb7DabMLj2oNTfe9N0DNyi+n"
    "xoUbUqyMVWkZWdAhPcPcpV5tk4kfrypw4hUZz6C2XUkYCCQ3Vk//qepZj0m8hJLsrQq6Nk"
    "3AWjnxQJlD7JjpQ+SYZKu4iVc2xFiLgDef+rme0jSXz/djceZTgOvfFxYRvNLfAH0BCpTT"
    "Lr/fxoY2erAjMbaRbC5A177F/rgj4HaoZPRPD2IX51M/hHHP3L6/FFXKJmE1zEWIFScgKy"
    "FzpKSwQQKzy5woX5KBt6fs1HFlRW5dTNEIXIe0yGUzWvv3MIaI76zpbfHtT3qTdNt7Atqr"
    "2HvtHdsQ7NGkQ6imiWPeTQkQ2XOsZwTtH+Tcewl2ITiQ44yjOLqJjI/6Wjioc40GX2FwKu"
    "RneA0QFrqVhgQI+bO4v+ODBfKngBCb1s6vZiCRRnpGHqa6RCExiavUA4NaxhH/M+4Af89S"
    "tl7CNafP0KljqFEzyzmVishD+aPubrVxdrOkghT1B14ileITpaweoDptKNCrGFKAg/0AGA"
    "vRCBikYHMukU6DMWWfQTQBbAcE2fr0Fl7bwdG2fSK9npSP5mxn6l7DDuRQlIfxbTUW2hFv"
    "6qKOelDmg4NAydfiigaJx+yFQ02K2ohBQs9hIoR4g4hLmWorru5ie7u1US7Sn8lrFfJAi5"
    "QDxPbZP+Mc03VGy1tuvx6JM/PG69EBq10Kib16hbx1yeNMC2gbs3FTBbXwlZvfUVfURKht"
    "KFR/jxlwnUlAy/mB/+7kzCj2r4vU59zs0V+KzrT70UZS509yhXk3PGyUs6sGUObqGiiGjw"
    "fcnMtUSDN963oN0Y19K4QETcNxOB4QBWXvuL03GxrIXy1xpWcKz8idRnkfrcMkWwSOrzYX"
    "xXobzoTF1ntTOYN8g8rl/ViRSQC+3Tv5fSgXKClfZ43u4WbUKRYmxTI8y5Rl/GhG88FmD4"
    "LEcSu2uLIasnNy5bi2IFvCvXvN8SNxhVRofaUC0Jf+/v99K9dHUOXOoHfHE/vL4ajj6dO6"
    "GBKuWI34DOuejy2rk6kQZX/2Sl8hV1Ey+UfzkYXUrXbN45w8eTEg+fAImIHHTWS7FZ6boG"
    "FZzx5cVpY7ydUeK6mLu90qzYezEeX0fEqothXK69v7mQKBMcHgQFdpJBT85WqJs5wd67v6"
    "r4HA1+XPSEshWt7Md1MxjdD67PgUv9gL9IF5/H41/OwTOcMcvbAx7cT8fnzt76gD8Np/Lt"
    "/d3nc7BA1mvDJkv/05NdKvfje730jHuH/5yIbptzWDqAP0bWIBttCqBSdo888BEVwE2XhW"
    "ybWhmoQyT81aWqqWr/akVBI8uUYP68wv1hKv6griGY3EVsBQmhsn8FrEOU/OFdy9IWDXdr"
    "t1uzrsuyV2m4jH0nRiaivFPC5p2zW6ayFHpMRTc71SqF9EVZVy1Duun0Kk9+K+udiZHxt6"
    "Ps/5DUbcuwre3CLQ15Fr3AvkA+J7Rghp0gJ6kzTCT2mOp7TMioWFLlSVLyt9prEQ8d2122"
    "QJ7tDU4Q8gB4495gx1DqC4Fp7vhc62QauTBQljBQPuvmU0ZeZvZeEyHiYdXHTFiFtpm3Od"
    "vM2xQtlPkV3LadBNLHq+XK26eTi9afhWvcV4c+g15gXwB7EeyTvefwG+zj+1ArsD1GKkoy"
    "trkk49YtXoHRcVrB6TZz2gl3qMDlMJ3gcJs57GqzFUrohugEh9vMYT8mqYowFiUVfG4zn9"
    "0w1ipsjlIKLreZyyKgXpQpay2gIkPhIM3ZRMGymguWhapka0gh8IUFAAZsEn6QjqxFBSva"
    "xkJzEion/wKk/Nm2Rew5+eQzMDN1TbONfYE2cWbjdKFp+uKldTi2rvNrfcHT2momR42Blp"
    "um5qFaJFNN9rm5u8riGEM3WQfoppcjACg10BCGP3lFBqHqlDEMZcK9YQ/4+pWOYqUIl9CE"
    "yTqLe51Z9MHoaB8MpuJSSWmVUlQ9X4uOEArHVVu06iKOK2LBUjX0/fFcFIKoPW3KMlMLlO"
    "XB61M0mCxFLFW3rV4jIBcpIZpdQTRRQJQdUEl8syPY/PFcLN+mI9cSjb0rRGo23WWmY7tH"
    "jhnpcH3o2wZ8UbtHfiP6Q1e8cEshpqkR2yKJOfpDUI1RFPTrlKE4TwB3uVq6IHaMjLtyaL"
    "UUxGYJ0+XzJKNU/AUC15IraUIVmcyqb+llsI6RcQh2Het6ixorTWOn2Akzd+kUSuHdS7pL"
    "19BEj2juWFhlpz5imUWdTs2hPLz/PD1EZBe90jkzMUqRLlMiXYZ1AnJ7QNhmaeCTxAL7kt"
    "g73U6ckMMydo4kJQ/HZ9MGD0K0zGO0YH24yAwN2vSw1+KrBBt6o/FIotBTygd8K43c6nAG"
    "xG5xuOHdnVNADhHiFJD7OBg6hd8eFdSasm8M7tLfSoRIfCYVMlqhacnwm0GlR1Il1DZJLg"
    "Ix2xyI6ctSFXgdIxV8bjOfRSpj9kHGr0d4KzqWMvHGqIThICnNi/h1EW7dMg9Z2XBr/yvf"
    "A7iJZsTd2hwK+yCj+2KrGkZLeI1MHTMH6a+KiTygE/7ItGFHec5JGBDIa4+iBldlpAL/E9"
    "ywf0KPFv2TD+rL9BhS1C7uDefQEN4/K2LmoKNyvDwJQ8da0WxYoZ9TnI4LvJu2d4Q3mdQl"
    "vtsuGJuizWzo3U7GV/eX0+F4dA6CxggP+HYi/TqUvrCLcI3gMyti/6t0Pb69kUZTVsR+DT"
    "Xd8H/i4Y2DQp3Nhp5fddY21Ipcj1IKrreF6ym2q0SKlNC1ha7dMk2wvc3XhlQYsRTvdyfU"
    "v9DdozytD23HibBUvlQ5uFJQqcrMW4I2y7WV1bkigU10VI46lwhtMnWtcrMsn7bNWPfGX0"
    "bS5Bzoz/RtHvDg6mZIlQlFXSGqR9xILBzmHKzgasbuMqWC/Z/pFG5ZhsPrDqJNdSMhfkJF"
    "y4a+m8J6ERVNmc+hUY3tMVIRT9AenSzJZ0dCpLyabcrpZQk64V1OepctqKzKwRqiELrubl"
    "3XSk3lLq3oTr1pOgZuUS03tKh2u5ODD3sPwPJdwyuxB7bKk+xbb1LMByHDTrbtwLONNNG1"
    "3f+MQ9bdci3bhTnhheaEsumt3Oa1nhYphnGaXQ3jNFEOY4GspT2TTWiUyrSMkfEQA99AGy"
    "3RpZnHVrbV0m38ig0dzdB+NOkfrMdVGaAjRPwt5/3vzm5HK9bVWsGl6uckCPlD++1x0RZk"
    "uT3IEisbMb1B06qgnkIqcC+Ku9eQ1q0ooJulYgHTaPlDvpbjkq5Y06qy2BOE/AFe11JX4b"
    "oK4jEygXdRvE1dr7ixJCkbFBGbEQ9r2VWwrkJWQYOkNsnO0dxjdPyt8ZN+AbRP+plgs1uJ"
    "LLE1UtO6GmTjHKZpcEVr+lzRmlnW+xfGg0jmskp8kpK/dV3LNuI4B73eshAzGMrWk8mYoc"
    "GiMr61sLM1ZZ7hbKnrT6yvrwmtCikkmRPw8BU0nUpCEYTY2UqeYFoh7pxibXFC4RRPLnYC"
    "LYs+L6V8z9/uxqMMTShEE48nQXML/AE0RGrzj/d+frSxc7g4DRnom5A37LF/reuczcGTYZ"
    "S/4uOL+ygaNMImSBSLESFef8IQL5GFwxvXi2ThiJgk0auxhYCKIK8mg7xEi0Y+WzR2ZfFG"
    "TRCH7jfYSdQ8iwtT+/fSePAznYhvrFYvbwDKZYuWKFRBE5MXwLTtlsIjRJmllKoDllHOiR"
    "f06gxzdsS6lBhnX9zLDnBmEpNIixZxzM166Jpz9fcLefr7OY7+fjKWRbMXZfD1x4s48Z3O"
    "T0RkA5pEx0qK53NXK40wpWjnUML1Jkzf2Qu+m0bQIqZvp+ZBOZtdmESYQXdb7Ry8mrMxtQ"
    "3dokam8LKKWJkmdI1PhpfTglYmW0WWDNcvV3EHbCZpXUzF7YhlL6rhetV/X4hT2VrJXVmg"
    "yWTgoH5UdbSiBat4hCqcLlsdJ/5KrkVAcssJvRAjptnfOBPxBFPdNhIPsQxLSYBnvr1EDn"
    "Fw35XDt1ng7MQXhcIPaUYRtc9aXvvs3zrClbTWCKFQWruktIrIne5H7vCIqAjd4Td0p6uQ"
    "ZsXuHLiqs4N6igjucyNb+GY/SDgr+ZKyD13DuUXutFoqOLffGdxQAnItrmBlTde1WTZRM0"
    "rFQ3paA0mahkLIs04Pn7LFrhOE/AFeS+0lr/ha2ql3gRaZB1+EbC+R/W04/37s909O3veP"
    "T959ODt9//7sw/H2IEzeyjsRL4af2KEYYUNSKfNAdOu0l0+FzSDnYeE3nQhL7Nn2PWULZd"
    "U/2G0STJ2owVP20YT+SxW2EH6cSBKdjFKyrmpjp83aA5ZGU2lyOxne0XsQW9A0TERgO2yC"
    "iMhUL0DrFJlnV/hQQCfS9kXskDDDxs2wCRNXoZgMA7nH0EsjMgw0ZdN0cBkUy/8RsSvtTm"
    "TpIlKEZWccJnyli3A1Hb3SRYyYs5ji4meNvCyAhdfN3IsPWaKXpnHyGeUT3aIIefnWxFwH"
    "d+5MPAFVtxfGhyzDGRNCNN8nI4e5uNM30xsAghZ0G3mNMJiZ+jOd4SdgLSGY6/oTov8opo"
    "kgAYo3DpgKVvUVeIKbI0As3aSXmC0Pqm/iSue+5xbeonZ5iyibStt/wzTc+YxqaHVIzEdX"
    "ZSsDcpSqzWFvrQHa2Tnp5oxTLCfZQEepuPPSnRTyZJzkeDJOUmrtpxQwzCmvn1a1sPvIiq"
    "aowvS3jwhMTSGsuCrEFfgepxWc7xLn4TcD0dkq8D1KySHXO8JlH5P8kpgiILjegGARvdrh"
    "6NUvbpXxK6ihNTQ3vRTbSXzIUZ79xK9arrqjESxoRPFnB0glQNHYqbMBSwWrGlSPANGBAk"
    "zoTQpV4HiWgOs6IUCnCytpO9nPlKlpbeFGEN4MTr9YkeF2SGtKd1p6NKbm7z8iJbzcS+Ac"
    "I+MR6n6R8kF0VE5AbqKAkAnnkOJWRSmNkXIopXKmm5QISKlTIhjQU3u+TBMEvDu5578SjB"
    "FJLbwcrBVakr20G1nr9ppYastZodSWs5zUlrNE8oVRyq7rDecQ3bdF+xnmtTNMWHd1bKX6"
    "JrI71IRImm9Qcxjrzt5a0Rz0MPv+f3zzbkM="
)
