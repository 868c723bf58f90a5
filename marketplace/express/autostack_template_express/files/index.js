import express from 'express'

const app = express()
const port = process.env.PORT || 3000

app.use(express.static('public'))

app.get('/api/hello', (req, res) => {
  res.json({ message: 'Hello from Express!' })
})

app.listen(port, () => {
  console.log(`Express app listening on port ${port}`)
})
